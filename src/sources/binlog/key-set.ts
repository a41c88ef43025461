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
    const hash = hashOf(key);
    let mask = this.hashes.length - 1;
    let i = hash & mask;
    for (;;) {
      const offset = this.offsets[i]!;
      if (offset === 0) break;
      if (this.hashes[i] === hash && this.equals(offset - 1, key)) return false;
      i = (i + 1) & mask;
    }
    const offset = this.store(key);
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
    const hash = hashOf(key);
    const mask = this.hashes.length - 1;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const offset = this.offsets[i]!;
      if (offset === 0) return false;
      if (this.hashes[i] === hash && this.equals(offset - 1, key)) return true;
    }
  }

  /** Memory held, in bytes. */
  get bytes(): number {
    return this.arena.length + this.hashes.byteLength + this.offsets.byteLength;
  }

  private equals(offset: number, key: Buffer): boolean {
    const length = this.arena.readUInt32LE(offset);
    if (length !== key.length) return false;
    return this.arena.compare(key, 0, key.length, offset + 4, offset + 4 + length) === 0;
  }

  private store(key: Buffer): number {
    const need = this.used + 4 + key.length;
    if (need > this.arena.length) {
      let size = this.arena.length * 2;
      while (size < need) size *= 2;
      const next = Buffer.allocUnsafe(size);
      this.arena.copy(next, 0, 0, this.used);
      this.arena = next;
    }
    const offset = this.used;
    this.arena.writeUInt32LE(key.length, offset);
    key.copy(this.arena, offset + 4);
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
export function hashOf(key: Buffer): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
