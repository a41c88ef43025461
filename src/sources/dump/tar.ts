import { DumpError, truncated } from './errors.js';

const BLOCK = 512;

/** What to do with a member's bytes: hand them on, or skip them. */
export type MemberUse = ((data: Buffer) => void) | undefined;

/**
 * Walks the members of a ustar archive (what `pg_dump -Ft` writes) fed in chunks: each 512-byte header
 * names a member and its size (octal, or base-256 from 8 GiB on), and the data follows, padded to 512.
 * `member` decides per member whether its bytes are wanted; `memberEnd` is told when one ends.
 */
export class TarMembers {
  private base = 0;
  private pending: Buffer = Buffer.alloc(0);
  private left = 0;
  private padding = 0;
  private use: MemberUse;
  private current = '';
  done = false;
  private ended = false;

  constructor(
    private readonly member: (name: string, size: number) => MemberUse,
    private readonly memberEnd: (name: string) => boolean,
  ) {}

  push(chunk: Buffer): void {
    let buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let i = 0;
    while (!this.done && !this.ended) {
      if (this.left > 0) {
        const n = Math.min(this.left, buf.length - i);
        if (n === 0) break;
        this.use?.(buf.subarray(i, i + n));
        i += n;
        this.left -= n;
        if (this.left === 0 && this.memberEnd(this.current)) this.done = true;
        continue;
      }
      if (this.padding > 0) {
        const n = Math.min(this.padding, buf.length - i);
        if (n === 0) break;
        i += n;
        this.padding -= n;
        continue;
      }
      if (buf.length - i < BLOCK) break;
      this.header(buf.subarray(i, i + BLOCK), this.base + i);
      i += BLOCK;
    }
    this.base += i;
    buf = buf.subarray(i);
    this.pending = Buffer.from(buf);
  }

  end(): void {
    if (this.done || this.ended) return;
    if (this.left > 0)
      throw truncated(this.base + this.pending.length, `${this.left} more bytes of ${this.current}`);
    throw truncated(this.base + this.pending.length, 'the end-of-archive blocks of the tar archive');
  }

  private header(block: Buffer, offset: number): void {
    if (block.every((b) => b === 0)) {
      this.ended = true;
      return;
    }
    let sum = 0;
    for (let k = 0; k < BLOCK; k++) sum += k >= 148 && k < 156 ? 0x20 : block[k]!;
    const stored = Number.parseInt(block.toString('latin1', 148, 156).replace(/[\0 ]/g, ''), 8);
    if (stored !== sum)
      throw new DumpError(
        offset,
        'a tar header with a valid checksum',
        `checksum ${stored}, computed ${sum}`,
      );
    const nul = block.indexOf(0, 0);
    this.current = block.toString('utf8', 0, nul === -1 || nul > 100 ? 100 : nul);
    const size = tarSize(block.subarray(124, 136));
    this.left = size;
    this.padding = (BLOCK - (size % BLOCK)) % BLOCK;
    this.use = this.member(this.current, size);
    if (size === 0 && this.memberEnd(this.current)) this.done = true;
  }
}

/** A tar size field: octal text, or base-256 (first byte 0x80) for sizes of 8 GiB and more. */
export function tarSize(field: Buffer): number {
  if (field[0]! & 0x80) {
    let value = 0;
    for (let k = 1; k < field.length; k++) value = value * 256 + field[k]!;
    return value;
  }
  return Number.parseInt(field.toString('latin1').replace(/[\0 ]/g, '') || '0', 8);
}
