import { describe, expect, it } from 'vitest';
import { countText } from '../../src/core/count-text.js';

describe('countText', () => {
  it('writes counts as en-US does, thousands separated by commas', () => {
    const values = [
      0,
      7,
      12,
      999,
      1_000,
      12_345,
      999_999,
      1_000_000,
      1_234_567_890,
      -1_234,
      -999,
      2 ** 53 - 1,
    ];
    for (const value of values) expect(countText(value)).toBe(value.toLocaleString('en-US'));
    expect(countText(1_234_567)).toBe('1,234,567');
  });

  it('leaves what is not a whole count to the locale formatting', () => {
    expect(countText(1234.5)).toBe('1,234.5');
  });
});
