/**
 * A double as MySQL and MariaDB print a DOUBLE expression (`my_gcvt`, what `CAST(col AS DOUBLE)` shows):
 * the shortest digits that read back as the same double, in plain notation when the decimal point falls
 * within 15 digits of the first digit (`0.00000015`, `1234567890.12345`), else `1.5e-7` / `1e16` (no `+`,
 * no leading zeros in the exponent). JavaScript finds the same shortest digits (dtoa mode 0).
 */

/** Significant digits (no leading or trailing zeros) and the decimal point's place: value = 0.DIGITS × 10^point. */
interface Digits {
  digits: string;
  point: number;
}

/** Where `my_gcvt` switches to exponent notation (MAX_DECPT_FOR_F_FORMAT, DBL_DIG). */
const MAX_POINT_FOR_PLAIN = 15;

export function doubleText(value: number): string {
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  return gcvt(shortest(Math.abs(value)), value < 0);
}

/** The shortest round-trip digits, as JavaScript finds them (the same rule as dtoa mode 0). */
function shortest(magnitude: number): Digits {
  const [mantissa = '', exponent = '0'] = magnitude.toExponential().split('e');
  const digits = mantissa.replace('.', '').replace(/0+$/, '');
  return { digits, point: Number.parseInt(exponent, 10) + 1 };
}

/** `my_gcvt`'s choice between plain and exponent notation, for a field wide enough for every digit. */
function gcvt({ digits, point }: Digits, negative: boolean): string {
  const sign = negative ? '-' : '';
  const length = digits.length;
  if (point >= -MAX_POINT_FOR_PLAIN + 1 && (point <= MAX_POINT_FOR_PLAIN || length > point)) {
    if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
    if (point >= length) return `${sign}${digits}${'0'.repeat(point - length)}`;
    return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
  }
  const mantissa = length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${sign}${mantissa}e${point - 1}`;
}
