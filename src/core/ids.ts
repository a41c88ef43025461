import { randomBytes } from 'node:crypto';

/**
 * Ids name one run: `r-` restore, `d-` diff, `u-` undo (and `m-` a console's restore point), then the UTC time and a random suffix, so they sort
 * by time and stay unique across machines sharing a state dir.
 */
export function newId(kind: 'r' | 'd' | 'u' | 'm'): string {
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${kind}-${stamp}-${randomBytes(3).toString('hex')}`;
}

const ID_PATTERN = /^[rdu]-\d{8}T\d{6}Z-[0-9a-f]{6}$/;

export function isId(text: string): boolean {
  return ID_PATTERN.test(text);
}
