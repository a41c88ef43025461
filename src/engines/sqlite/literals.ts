/**
 * SQL literals for the `--sql-out` script, built from the exact field texts `read` produces (see fieldOf
 * in sql.ts), for whichever sqlite3 shell runs the script. An older shell does not read every 17-digit
 * real back to the same bits (3.40 misreads about 1 in 300 values near the subnormal range), so a real is
 * written as an integer times a power of two, `CAST(M AS REAL) / 4294967296 / 8`: every step of it is
 * exact in any SQLite. Computed with BigInt from the decimal text; no value passes through a JS number.
 */

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The literal for one field of the row format (its raw bytes; null for NULL). */
export function literalOf(field: Buffer | null): string {
  if (field === null) return 'NULL';
  const first = field[0];
  if (first === 0x27) return textLiteral(field.subarray(1, field.length - 1));
  if (first === 0x78) return `X${field.subarray(1).toString('latin1')}`;
  const text = field.toString('latin1');
  if (/[.eI]/.test(text)) return realLiteral(text);
  return text === '-9223372036854775808' ? '(-9223372036854775807 - 1)' : text;
}

/** A text literal: quoted when it is valid UTF-8 without NUL, else its bytes cast to TEXT. */
export function textLiteral(bytes: Buffer): string {
  if (!bytes.includes(0)) {
    try {
      return `'${utf8.decode(bytes).replace(/'/g, "''")}'`;
    } catch {
      // not UTF-8: written as bytes below
    }
  }
  return `CAST(X'${bytes.toString('hex')}' AS TEXT)`;
}

const TWO_52 = 1n << 52n;
const TWO_53 = 1n << 53n;

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/** The nearest double to a decimal text, as M × 2^p with an odd M (or zero), rounding half to even. */
export function binaryOf(text: string): { negative: boolean; mantissa: bigint; exponent: number } {
  const match = /^(-?)(\d+)(?:\.(\d*))?(?:e([+-]?\d+))?$/i.exec(text);
  if (!match) throw new Error(`not a real's text: ${text}`);
  const [, sign, whole, fraction = '', exp = '0'] = match;
  const negative = sign === '-';
  const digits = BigInt(whole! + fraction);
  const exp10 = Number(exp) - fraction.length;
  if (digits === 0n) return { negative, mantissa: 0n, exponent: 0 };
  const num = exp10 >= 0 ? digits * 10n ** BigInt(exp10) : digits;
  const den = exp10 >= 0 ? 1n : 10n ** BigInt(-exp10);
  const scaled = (p: number) => (p >= 0 ? { n: num, d: den << BigInt(p) } : { n: num << BigInt(-p), d: den });
  let p = bitLength(num) - bitLength(den) - 53;
  for (;;) {
    const { n, d } = scaled(p);
    const q = n / d;
    if (q >= TWO_53) p++;
    else if (q < TWO_52 && p > -1074) p--;
    else break;
  }
  p = Math.max(p, -1074);
  const { n, d } = scaled(p);
  let mantissa = n / d;
  const twice = (n - mantissa * d) * 2n;
  if (twice > d || (twice === d && (mantissa & 1n) === 1n)) mantissa++;
  while (mantissa > 0n && (mantissa & 1n) === 0n) {
    mantissa >>= 1n;
    p++;
  }
  return { negative, mantissa, exponent: p };
}

/** A real's literal: `-0.0`, `9e999` for infinity, else M × 2^p as exact steps. */
export function realLiteral(text: string): string {
  if (/Inf|e\+999$/i.test(text)) return text.startsWith('-') ? '-9e999' : '9e999';
  const { negative, mantissa, exponent } = binaryOf(text);
  if (mantissa === 0n) return negative ? '-0.0' : '0.0';
  const steps: string[] = [];
  const op = exponent >= 0 ? '*' : '/';
  let left = Math.abs(exponent);
  while (left > 0) {
    const step = Math.min(left, 32);
    steps.push(`${op} ${(1n << BigInt(step)).toString()}`);
    left -= step;
  }
  const head = `CAST(${negative ? '-' : ''}${mantissa} AS REAL)`;
  return steps.length ? `(${head} ${steps.join(' ')})` : head;
}
