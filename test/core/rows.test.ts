import { describe, expect, it } from 'vitest';
import { countRows, decodeRow, encodeRow, splitRows } from '../../src/core/rows.js';

describe('the text row format', () => {
  it('round-trips any bytes, NULL and the empty string', async () => {
    const values = [
      Buffer.from([0, 9, 10, 13, 92, 255, 78]),
      null,
      Buffer.from(''),
      Buffer.from('\\N'),
      Buffer.from('é😀'),
    ];
    const encoded = encodeRow(values);
    expect(encoded.toString('latin1')).toBe(
      '\x00\\t\\n\\r\\\\\xffN\t\\N\t\t\\\\N\té😀\n'.replace('é😀', Buffer.from('é😀').toString('latin1')),
    );
    expect(countRows(encoded)).toBe(1);
    const lines: Buffer[] = [];
    async function* chunks() {
      yield encoded.subarray(0, 3);
      yield encoded.subarray(3);
    }
    for await (const line of splitRows(chunks())) lines.push(line);
    expect(lines).toHaveLength(1);
    expect(decodeRow(lines[0]!)).toEqual(values);
  });

  it('reads the escapes PostgreSQL and MySQL write', () => {
    expect(decodeRow(Buffer.from('\\101\\x\\b\t\\0'))).toEqual([Buffer.from('Ax\b'), Buffer.from([0])]);
  });
});
