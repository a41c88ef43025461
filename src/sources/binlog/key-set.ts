/**
 * A set of keys (byte strings) in flat typed arrays: an open-addressing table of hashes and offsets into
 * one byte arena. About 12 bytes a key plus the key itself, against ~60 for a JavaScript Set of strings.
 */
export class KeySet {
  private arena = Buffer.allocUnsafe(1 << 16);
  private used = 0;
  private hashes = new Uint32Array(1 << 12);
  /** Offset + 1 of each key's length-prefixed bytes in the arena; 0 marks an empty slot. */
  private offsets = new Uint32Array(1 << 12);
  size = 0;

  /** Adds the key; true when it was not there yet. */
  add(key: Buffer): boolean {
    return this.addBytes(key, 0, key.length);
  }

  /** Adds the key held in `src` at `start`, `length` bytes long (no view made); true when it was new. */
  addBytes(src: Buffer, start: number, length: number): boolean {
    const hash = hashOf(src, start, length);
    let mask = this.hashes.length - 1;
    let i = hash & mask;
    for (;;) {
      const offset = this.offsets[i]!;
      if (offset === 0) break;
      if (this.hashes[i] === hash && this.equals(offset - 1, src, start, length)) return false;
      i = (i + 1) & mask;
    }
    const offset = this.store(src, start, length);
    this.offsets[i] = offset + 1;
    this.hashes[i] = hash;
    this.size++;
    if (this.size * 2 > this.hashes.length) {
      this.grow();
      mask = this.hashes.length - 1;
    }
    return true;
  }

  has(key: Buffer): boolean {
    return this.hasBytes(key, 0, key.length);
  }

  hasBytes(src: Buffer, start: number, length: number): boolean {
    const hash = hashOf(src, start, length);
    const mask = this.hashes.length - 1;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const offset = this.offsets[i]!;
      if (offset === 0) return false;
      if (this.hashes[i] === hash && this.equals(offset - 1, src, start, length)) return true;
    }
  }

  /** Memory held, in bytes. */
  get bytes(): number {
    return this.arena.length + this.hashes.byteLength + this.offsets.byteLength;
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
    const hashes = new Uint32Array(this.hashes.length * 2);
    const offsets = new Uint32Array(this.offsets.length * 2);
    const mask = hashes.length - 1;
    for (let j = 0; j < this.offsets.length; j++) {
      const offset = this.offsets[j]!;
      if (offset === 0) continue;
      let i = this.hashes[j]! & mask;
      while (offsets[i] !== 0) i = (i + 1) & mask;
      offsets[i] = offset;
      hashes[i] = this.hashes[j]!;
    }
    this.hashes = hashes;
    this.offsets = offsets;
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
