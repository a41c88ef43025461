/**
 * FLOAT and DOUBLE as MySQL and MariaDB write them as text (`Field_float::val_str`, `Field_double::val_str`):
 * `my_gcvt` for columns without fixed decimals — the shortest digits that read back as the same double
 * (FLOAT: at most 6 significant digits), in plain notation when the decimal point falls within 15 digits
 * of the first digit, else `1.5e-7` / `1e15` — and `my_fcvt` (exactly D decimals) for FLOAT(M,D) and
 * DOUBLE(M,D). Digits are derived from the exact binary value with integer arithmetic, never printf.
 */

/** Significant digits (no leading or trailing zeros) and the decimal point's place: value = 0.DIGITS × 10^point. */
interface Digits {
  digits: string;
  point: number;
}

/** Where `my_gcvt` switches to exponent notation (MAX_DECPT_FOR_F_FORMAT, DBL_DIG). */
const MAX_POINT_FOR_PLAIN = 15;
/** FLT_DIG: the significant digits `my_gcvt` keeps for a FLOAT. */
const FLOAT_DIGITS = 6;

export function doubleText(value: number): string {
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  return gcvt(shortest(Math.abs(value)), value < 0);
}

/** FLOAT widened to double, as the server prints it: up to 6 significant digits, correctly rounded. */
export function floatText(value: number): string {
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const magnitude = Math.abs(value);
  // dtoa mode 4: the shortest digits that read back as this double, when there are few enough…
  const short = shortest(magnitude);
  const digits = short.digits.length <= FLOAT_DIGITS ? short : roundSignificant(magnitude, FLOAT_DIGITS);
  return gcvt(digits, value < 0);
}

/** FLOAT(M,D) / DOUBLE(M,D): exactly `decimals` digits after the point, rounded half to even. */
export function fixedText(value: number, decimals: number): string {
  const negative = value < 0 || Object.is(value, -0);
  const { mantissa, exponent } = parts(Math.abs(value));
  // round(|value| × 10^decimals) with exact integers: value = mantissa × 2^exponent.
  let scaled: bigint;
  const ten = 10n ** BigInt(decimals);
  if (exponent >= 0) {
    scaled = (mantissa << BigInt(exponent)) * ten;
  } else {
    const numerator = mantissa * ten;
    const denominator = 1n << BigInt(-exponent);
    scaled = numerator / denominator;
    const rest = numerator % denominator;
    if (rest * 2n > denominator || (rest * 2n === denominator && scaled % 2n === 1n)) scaled += 1n;
  }
  let text = scaled.toString();
  if (decimals > 0) {
    text = text.padStart(decimals + 1, '0');
    text = `${text.slice(0, -decimals)}.${text.slice(-decimals)}`;
  }
  return negative ? `-${text}` : text;
}

/** The shortest round-trip digits, as JavaScript finds them (the same rule as dtoa mode 0). */
function shortest(magnitude: number): Digits {
  const [mantissa = '', exponent = '0'] = magnitude.toExponential().split('e');
  const digits = mantissa.replace('.', '').replace(/0+$/, '');
  return { digits, point: Number.parseInt(exponent, 10) + 1 };
}

/** The exact value rounded to `count` significant digits, half to even, trailing zeros removed. */
function roundSignificant(magnitude: number, count: number): Digits {
  const { mantissa, exponent } = parts(magnitude);
  // Exact decimal expansion: mantissa × 2^exponent = numerator / denominator.
  let numerator = mantissa;
  let denominator = 1n;
  if (exponent >= 0) numerator <<= BigInt(exponent);
  else denominator <<= BigInt(-exponent);
  // point: the number of integer digits (may be ≤ 0).
  let point = numerator.toString().length - denominator.toString().length;
  const scale = (p: number) =>
    p >= 0 ? [numerator, denominator * 10n ** BigInt(p)] : [numerator * 10n ** BigInt(-p), denominator];
  let [n, d] = scale(point - count);
  if (n! / d! >= 10n ** BigInt(count)) {
    point++;
    [n, d] = scale(point - count);
  } else if (n! / d! < 10n ** BigInt(count - 1)) {
    point--;
    [n, d] = scale(point - count);
  }
  let q = n! / d!;
  const rest = n! % d!;
  if (rest * 2n > d! || (rest * 2n === d! && q % 2n === 1n)) q += 1n;
  if (q === 10n ** BigInt(count)) {
    q /= 10n;
    point++;
  }
  return { digits: q.toString().replace(/0+$/, ''), point };
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

/** A finite double as mantissa × 2^exponent with an integer mantissa. */
function parts(magnitude: number): { mantissa: bigint; exponent: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, magnitude);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  if (biased === 0) return { mantissa: fraction, exponent: -1074 };
  return { mantissa: fraction | (1n << 52n), exponent: biased - 1075 };
}
