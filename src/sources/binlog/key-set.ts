/**
 * A set of keys (byte strings) in flat typed arrays: an open-addressing table of (hash, offset) pairs,
 * side by side so that a probe touches one cache line, and one byte arena holding the keys. About 12 bytes
 * a key plus the key itself, against ~60 for a JavaScript Set of strings.
 */
export class KeySet {
  private arena: Buffer;
  private used = 0;
  /** Per slot: the hash, then offset + 1 of the key's length-prefixed bytes in the arena (0: empty). */
  private slots: Uint32Array;
  size = 0;

  /**
   * `expected`: about how many keys will come, so that the table need not grow on the way; `budget`:
   * the bytes that sizing in advance may take (growing past it is the caller's call, see `bytes`).
   */
  constructor(expected = 0, budget = 0) {
    let capacity = 1 << 12;
    while (capacity < expected * 2 && capacity * 16 <= budget / 2) capacity *= 2;
    this.slots = new Uint32Array(capacity * 2);
    this.arena = Buffer.allocUnsafe(Math.max(1 << 16, Math.min(expected * 12, Math.floor(budget / 4))));
  }

  /** Adds the key; true when it was not there yet. */
  add(key: Buffer): boolean {
    return this.addBytes(key, 0, key.length);
  }

  /** Adds the key held in `src` at `start`, `length` bytes long (no view made); true when it was new. */
  addBytes(src: Buffer, start: number, length: number): boolean {
    const hash = hashOf(src, start, length);
    const slots = this.slots;
    const mask = (slots.length >> 1) - 1;
    let i = hash & mask;
    for (;;) {
      const offset = slots[2 * i + 1]!;
      if (offset === 0) break;
      if (slots[2 * i] === hash && this.equals(offset - 1, src, start, length)) return false;
      i = (i + 1) & mask;
    }
    slots[2 * i] = hash;
    slots[2 * i + 1] = this.store(src, start, length) + 1;
    this.size++;
    if (this.size * 4 > slots.length) this.grow();
    return true;
  }

  has(key: Buffer): boolean {
    return this.hasBytes(key, 0, key.length);
  }

  hasBytes(src: Buffer, start: number, length: number): boolean {
    const hash = hashOf(src, start, length);
    const slots = this.slots;
    const mask = (slots.length >> 1) - 1;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const offset = slots[2 * i + 1]!;
      if (offset === 0) return false;
      if (slots[2 * i] === hash && this.equals(offset - 1, src, start, length)) return true;
    }
  }

  /** Memory held, in bytes. */
  get bytes(): number {
    return this.arena.length + this.slots.byteLength;
  }

  private equals(offset: number, src: Buffer, start: number, length: number): boolean {
    const arena = this.arena;
    if (arena.readUInt32LE(offset) !== length) return false;
    // Keys are short: a loop beats Buffer#compare's call overhead.
    for (let i = 0, a = offset + 4; i < length; i++, a++) if (arena[a] !== src[start + i]) return false;
    return true;
  }

  private store(src: Buffer, start: number, length: number): number {
    const need = this.used + 4 + length;
    if (need > this.arena.length) {
      let size = this.arena.length * 2;
      while (size < need) size *= 2;
      const next = Buffer.allocUnsafe(size);
      this.arena.copy(next, 0, 0, this.used);
      this.arena = next;
    }
    const offset = this.used;
    const arena = this.arena;
    arena.writeUInt32LE(length, offset);
    for (let i = 0, a = offset + 4; i < length; i++, a++) arena[a] = src[start + i]!;
    this.used = need;
    return offset;
  }

  private grow(): void {
    const old = this.slots;
    const slots = new Uint32Array(old.length * 2);
    const mask = (slots.length >> 1) - 1;
    for (let j = 0; j < old.length; j += 2) {
      const offset = old[j + 1]!;
      if (offset === 0) continue;
      let i = old[j]! & mask;
      while (slots[2 * i + 1] !== 0) i = (i + 1) & mask;
      slots[2 * i] = old[j]!;
      slots[2 * i + 1] = offset;
    }
    this.slots = slots;
  }
}

/** FNV-1a, 32 bits. */
export function hashOf(key: Buffer, start = 0, length = key.length): number {
  let h = 0x811c9dc5;
  for (let i = start; i < start + length; i++) {
    h ^= key[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
