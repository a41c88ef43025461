import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TextToBinary } from '../../../src/engines/postgres/binary-copy.js';
import { encoderFor } from '../../../src/engines/postgres/binary-values.js';
import { postgresEngine } from '../../../src/engines/postgres/index.js';
import { collect, type ScratchDb, scratchDb, tableText } from './support.js';

/** Every type with a binary encoder, as format_type words it. */
const COLUMNS: [string, string][] = [
  ['id', 'integer'],
  ['i2', 'smallint'],
  ['i8', 'bigint'],
  ['n', 'numeric'],
  ['n2', 'numeric(12,2)'],
  ['d', 'date'],
  ['b', 'boolean'],
  ['u', 'uuid'],
  ['by', 'bytea'],
  ['t', 'text'],
  ['vc', 'character varying(12)'],
  ['ch', 'character(3)'],
  ['j', 'json'],
  ['jb', 'jsonb'],
  ['ts', 'timestamp(3) without time zone'],
  ['tz', 'timestamp with time zone'],
];
const DDL = (table: string) =>
  `CREATE TABLE ${table} (${COLUMNS.map(([n, t]) => `${n} ${t}`).join(', ')}, PRIMARY KEY (id))`;

/** Rows in the plain form the server prints: all of them convert. */
const PLAIN = [
  '1\t-32768\t-9223372036854775808\t0\t0.00\t0001-01-01\tt\t00000000-0000-0000-0000-000000000000\t\\\\x\t\t\t   \t{}\t{}\t0001-01-01 00:00:00\t0001-01-01 00:00:00+00',
  '2\t32767\t9223372036854775807\t-0.000000000000000000012345\t-1234567890.12\t2000-02-29\tf\tA0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11\t\\\\x00ff7F\tsome text\tvarchar ok\tab\t{"a": [1, 2.50]}\t{"b": 1, "a": 2.50}\t1999-12-31 23:59:59.999\t2000-01-01 00:00:00.000001+00',
  '3\t0\t-1\t123456789012345678901234567890.123456789000\t99.9\t9999-12-31\tt\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N',
  '4\t-1\t4503599627370496\t10000\t-0.5\t1970-01-01\tf\tffffffff-ffff-ffff-ffff-ffffffffffff\t\\\\x0a\ttab\\there, newline\\nthere, \\\\ and \\r\\b\\f\\v\t\\101\\x42\\x4\\7x\tx\t"\\\\u00e9"\t[true, null]\t2024-03-10 02:30:00.5\t2024-03-10 02:30:00.5+05:30',
  '5\t7\t999999999999999\t0.0001\t.5\t2024-02-29\tt\t123e4567-e89b-12d3-a456-426614174000\t\\\\x\tünïcødé ✓ 𝄞\tne\\\\N\t\\\\N\t1\t"x"\t2285-06-01 12:00:00.123\t1715-01-01 00:00:00-03:00:15',
  '6\t-7\t-4503599627370497\t5.\t100\t1900-03-01\tf\t123e4567-e89b-12d3-a456-426614174001\t\\\\x01\t\\x\\xg\\8\tend\\\\\tq\tnull\t{"k": "v"}\t200000-01-01 00:00:00\t199999-12-31 23:59:59.999999+00',
];

/** Rows the converter must leave to the server's text input; valid, so the server loads them. */
const LEFT_TO_TEXT = [
  // numeric NaN, timestamps at infinity, a BC date
  '10\t1\t1\tNaN\t1\t2000-01-01\tt\t\\N\t\\N\tx\tx\tx\t1\t1\tinfinity\t-infinity',
  '11\t1\t1\t1\t1\t0044-03-15 BC\tt\t\\N\t\\N\tx\tx\tx\t1\t1\t2000-01-01 00:00:00\t2000-01-01 00:00:00+00',
  // an escape making a non-ASCII byte, a number with a sign and spaces, a leap second
  '12\t+5\t 6\t1e3\t1\t2000-01-01\ttrue\t\\N\t\\N\t\\303\\251\tx\tx\t1\t1\t2000-01-01 23:59:60\t2000-01-01 00:00:00Z',
];

describe('binary COPY from COPY text', () => {
  let db: ScratchDb;

  beforeAll(async () => {
    db = await scratchDb();
    await db.client.query(`${DDL('by_text')}; ${DDL('by_binary')}`);
  });
  afterAll(async () => {
    await db.drop();
  });

  const encoders = COLUMNS.map(([, type]) => encoderFor(type)!);

  /** Converts `text` fed in pieces of `piece` bytes: the binary data and the text left over. */
  async function convert(text: string, piece: number): Promise<{ binary: Buffer; rest: string }> {
    const bytes = Buffer.from(text);
    const pieces: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += piece) pieces.push(bytes.subarray(i, i + piece));
    const converter = new TextToBinary(encoders);
    const binary = await collect(
      Readable.from(converter.encode(Readable.from(pieces)[Symbol.asyncIterator]())),
    );
    const rest = converter.rest ? (await collect(Readable.from(converter.rest))).toString() : '';
    return { binary, rest };
  }

  async function load(table: string, data: Buffer | string, format = ''): Promise<void> {
    await pipeline(
      Readable.from([Buffer.from(data)]),
      db.client.query(copyFrom(`COPY ${table} FROM STDIN${format}`)),
    );
  }

  it('has an encoder for each of these types, and none for others', () => {
    expect(encoders.every((e) => typeof e === 'function')).toBe(true);
    for (const type of [
      'real',
      'double precision',
      'interval',
      'integer[]',
      'money',
      'public.mood',
      'time without time zone',
      'timestamp with time zone[]',
    ])
      expect(encoderFor(type), type).toBeUndefined();
    expect(encoderFor('text COLLATE "C"')).toBeDefined();
  });

  for (const piece of [1, 7, 1 << 20]) {
    it(`loads what the server's text input loads, byte for byte (fed ${piece} byte(s) at a time)`, async () => {
      await db.client.query('TRUNCATE by_text; TRUNCATE by_binary');
      const text = `${PLAIN.join('\n')}\n`;
      const { binary, rest } = await convert(text, piece);
      expect(rest).toBe('');
      await load('by_text', text);
      await load('by_binary', binary, ' (FORMAT binary)');
      const want = await tableText(db.client, 'SELECT * FROM by_text ORDER BY id');
      expect(want.split('\n')).toHaveLength(PLAIN.length + 1);
      expect(await tableText(db.client, 'SELECT * FROM by_binary ORDER BY id')).toBe(want);
    });
  }

  it('leaves the first row it cannot convert, and all after it, as text', async () => {
    for (const odd of LEFT_TO_TEXT) {
      const text = `${PLAIN[0]}\n${odd}\n${PLAIN[1]}\n`;
      const { rest } = await convert(text, 5);
      expect(rest, odd).toBe(`${odd}\n${PLAIN[1]}\n`);
    }
    // Too few or too many columns, `\.`, a carriage return, a backslash before the delimiter.
    for (const odd of [
      '1\t2',
      `${PLAIN[0]}\textra`,
      '\\.',
      PLAIN[0]!.replace('{}', '{\\.}'),
      `${PLAIN[0]}\r`,
      PLAIN[0]!.replace('\t-32768', '\\\t-32768'),
    ]) {
      const { rest } = await convert(`${odd}\n${PLAIN[1]}\n`, 3);
      expect(rest, odd).toBe(`${odd}\n${PLAIN[1]}\n`);
    }
    // A last line without its newline.
    expect((await convert(`${PLAIN[0]}\n${PLAIN[1]}`, 9)).rest).toBe(PLAIN[1]);
  });

  it('joins a value spanning thousands of chunks once, not once per chunk', async () => {
    // 32 MB of text in 8 kB chunks: joining at every chunk would copy about 64 GB.
    const big = 'x'.repeat(32 << 20);
    const row = PLAIN[1]!.replace('\tsome text\t', `\t${big}\t`);
    const started = process.hrtime.bigint();
    const { binary, rest } = await convert(`${row}\n`, 8192);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    expect(rest).toBe('');
    const at = binary.indexOf(Buffer.from('xxxxxxxx'));
    expect(binary.readInt32BE(at - 4)).toBe(big.length);
    expect(seconds).toBeLessThan(10);
  });

  it('copyIn loads mixed rows exactly: binary, then text from the first row that needs it', async () => {
    await db.client.query('TRUNCATE by_text; TRUNCATE by_binary');
    const text = `${PLAIN.join('\n')}\n${LEFT_TO_TEXT.join('\n')}\n7\t1\t1\t1\t1\t2000-01-01\tt\t\\N\t\\N\tafter\tx\tx\t1\t1\t2000-01-01 00:00:00\t2000-01-01 00:00:00+00\n`;
    await load('by_text', text);
    const target = await postgresEngine.connect(db.url);
    try {
      const schema = await target.describe({ schema: 'public', name: 'by_binary' });
      // Columns in another order than the table's: each is encoded by its own type.
      const columns = COLUMNS.map(([n]) => n);
      const reordered = [...columns].reverse();
      const lines = text
        .split('\n')
        .filter((l) => l)
        .map((l) => `${l.split('\t').reverse().join('\t')}\n`);
      const count = await target.copyIn(schema, Readable.from(lines.map((l) => Buffer.from(l))), {
        columns: reordered,
      });
      expect(count).toBe(PLAIN.length + LEFT_TO_TEXT.length + 1);
    } finally {
      await target.close();
    }
    const want = await tableText(db.client, 'SELECT * FROM by_text ORDER BY id');
    expect(await tableText(db.client, 'SELECT * FROM by_binary ORDER BY id')).toBe(want);
  });

  it('a value the server refuses fails the copy with the server’s own words', async () => {
    await db.client.query('TRUNCATE by_binary');
    const target = await postgresEngine.connect(db.url);
    try {
      const schema = await target.describe({ schema: 'public', name: 'by_binary' });
      const row = PLAIN[1]!.replace('\tvarchar ok\t', '\tfar too long for twelve\t');
      const error = await target
        .copyIn(schema, Readable.from([Buffer.from(`${row}\n`)]), { columns: COLUMNS.map(([n]) => n) })
        .catch((e: unknown) => e);
      expect(String((error as Error).message)).toMatch(/value too long for type character varying\(12\)/);
    } finally {
      await target.close();
    }
  });
});
