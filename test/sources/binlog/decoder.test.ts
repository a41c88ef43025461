import { describe, expect, test } from 'vitest';
import type { TableSchema } from '../../../src/core/table.js';
import { CorruptEvent, EventReader } from '../../../src/sources/binlog/events.js';
import { jsonText } from '../../../src/sources/binlog/json-binary.js';
import { PacketReader } from '../../../src/sources/binlog/packets.js';
import { projectionFor } from '../../../src/sources/binlog/projection.js';
import type { RowChange } from '../../../src/sources/binlog/rows.js';
import { RowsDecoder } from '../../../src/sources/binlog/rows.js';
import { Scanner, ScanRefused, type ScanSink, type Settled } from '../../../src/sources/binlog/scan.js';
import {
  event,
  formatDescription,
  mysqlGtid,
  packed,
  packedBytes,
  query,
  rotate,
  transactionPayload,
  u16,
  u32,
  uint,
  xid,
} from './bytes.js';
import { type J, jsonBinary } from './json.js';

describe('the replication packet reader', () => {
  test('returns the same payloads whatever the chunk boundaries, joining payloads of 16 MiB and more', () => {
    const small = [Buffer.from('a'), Buffer.alloc(0), Buffer.from('hello world'), Buffer.alloc(300, 7)];
    const big = Buffer.alloc(0xffffff + 10, 3);
    const frame = (payload: Buffer, seq: number) =>
      Buffer.concat([uint(payload.length, 3), Buffer.from([seq]), payload]);
    const wire = Buffer.concat([
      ...small.map((p, i) => frame(p, i)),
      frame(big.subarray(0, 0xffffff), 9),
      frame(big.subarray(0xffffff), 10),
      frame(Buffer.from('end'), 11),
    ]);
    const head = wire.length - big.length - 8 - 7;
    for (const size of [1, 3, 7, 4096, 65537, wire.length]) {
      const reader = new PacketReader();
      const out: Buffer[] = [];
      // Small chunks for the small payloads, then 64 KiB ones through the large payload.
      for (let i = 0; i < wire.length; ) {
        const step = i < head ? size : Math.max(size, 65536);
        out.push(...reader.push(wire.subarray(i, i + step)));
        i += step;
      }
      expect(out.map((p) => p.length)).toEqual([1, 0, 11, 300, big.length, 3]);
      expect(out[4]!.equals(big)).toBe(true);
      expect(reader.buffered).toBe(0);
    }
  });
});

describe('the event reader', () => {
  test('takes each file’s checksum setting from its own FORMAT_DESCRIPTION and verifies every CRC', () => {
    const reader = new EventReader('binlog.000001');
    const events = [
      rotate('binlog.000001', { flags: 0x20, checksum: true }),
      formatDescription('8.0.36', true, { next: 126 }),
      query('db', 'BEGIN', { next: 200, checksum: true }),
      rotate('binlog.000002', { next: 300, checksum: true }),
      // The next file was written with binlog_checksum=NONE and is still being written (in-use flag).
      formatDescription('8.0.36', false, { next: 126, flags: 0x1 }),
      query('db', 'COMMIT', { next: 180 }),
    ];
    const read = events.map((raw) => reader.read(raw));
    const start = (raw: Buffer) => raw.readUInt32LE(13) - raw.length;
    expect(read.map((e) => [e.file, e.type, e.position])).toEqual([
      ['binlog.000001', 4, -1],
      ['binlog.000001', 15, 4],
      ['binlog.000001', 2, start(events[2]!)],
      ['binlog.000001', 4, start(events[3]!)],
      ['binlog.000002', 15, 4],
      ['binlog.000002', 2, start(events[5]!)],
    ]);
    expect(read[5]!.body.subarray(-6).toString()).toBe('COMMIT');
    expect(read[2]!.body.subarray(-5).toString()).toBe('BEGIN');
  });

  test('refuses an event whose CRC does not match its bytes', () => {
    const reader = new EventReader('binlog.000001');
    reader.read(formatDescription('10.11.19-MariaDB', true, { next: 126 }));
    const damaged = query('db', 'BEGIN', { next: 200, checksum: true });
    damaged[30] = damaged[30]! ^ 0x01;
    expect(() => reader.read(damaged)).toThrow(CorruptEvent);
  });
});

describe('MySQL binary JSON', () => {
  const decimal1250 = Buffer.from([4, 2, 0x80 | 12, 50]);
  const packedDatetime = (((842018n << 17n) | 12549n) << 24n) + 6n;
  const datetime = Buffer.alloc(8);
  datetime.writeBigInt64LE(packedDatetime);
  const cases: [J, string][] = [
    [{ lit: 'null' }, 'null'],
    [{ arr: [] }, '[]'],
    [{ obj: [] }, '{}'],
    [{ double: 1 }, '1.0'],
    [{ double: -0.5 }, '-0.5'],
    [{ double: 1e300 }, '1e300'],
    [{ int64: -9223372036854775808n }, '-9223372036854775808'],
    [{ uint64: 18446744073709551615n }, '18446744073709551615'],
    [{ str: 'q"uote\\ tab\t nl\n \u0001 😀' }, '"q\\"uote\\\\ tab\\t nl\\n \\u0001 😀"'],
    [
      {
        obj: [
          ['a', { arr: [{ int16: -7 }, { lit: 'true' }, { lit: 'null' }, { str: 'x' }] }],
          ['b', { double: 2.5 }],
          ['d', { opaque: 246, data: decimal1250 }],
          ['t', { opaque: 12, data: datetime }],
          ['big', { int32: 2147483647 }],
        ],
      },
      '{"a": [-7, true, null, "x"], "b": 2.5, "d": 12.50, "t": "2024-01-02 03:04:05.000006", "big": 2147483647}',
    ],
    [{ opaque: 252, data: Buffer.from([0, 1, 2]) }, '"base64:type252:AAEC"'],
  ];
  test.each(cases.map(([value, text]) => [text, value] as const))(
    'prints %s as MySQL does',
    (text, value) => {
      const doc = jsonBinary(value);
      expect(jsonText(doc, 0, doc.length).toString('utf8')).toBe(text);
    },
  );
});

/** A MySQL 8 table written with binlog_row_metadata=FULL, as its TABLE_MAP describes it. */
function tableMap(tableId: number): Buffer {
  const types = [3, 13, 3, 245, 254, 254, 15, 15, 18];
  const meta = Buffer.concat([
    Buffer.from([4]), // JSON: 4 length bytes
    Buffer.from([0xf7, 1]), // ENUM, 1 byte
    Buffer.from([0xf8, 1]), // SET, 1 byte
    u16(10), // VARCHAR(10) latin1
    u16(80), // VARCHAR(20) utf8mb4
    Buffer.from([3]), // DATETIME(3)
  ]);
  const optional = (type: number, value: Buffer) => Buffer.concat([Buffer.from([type]), packedBytes(value)]);
  const names = ['id', 'y', 'u', 'j', 'e', 's', 't', 'n', 'd'];
  const body = Buffer.concat([
    uint(tableId, 6),
    u16(1),
    Buffer.from([2]),
    Buffer.from('db\0'),
    Buffer.from([5]),
    Buffer.from('items\0'),
    packed(types.length),
    Buffer.from(types),
    packedBytes(meta),
    Buffer.from([0xfe, 0x01]),
    // Signedness: one bit per numeric column, YEAR not among them on MySQL: id signed, u unsigned.
    optional(1, Buffer.from([0b01000000])),
    // Character columns t and n: default utf8mb4_0900_ai_ci (255), column 0 of them latin1 (8).
    optional(2, Buffer.concat([packed(255), packed(0), packed(8)])),
    optional(4, Buffer.concat(names.map((n) => packedBytes(n)))),
    optional(5, Buffer.concat([packed(2), packedBytes('x'), packedBytes('y')])),
    optional(6, Buffer.concat([packed(2), packedBytes('a'), packedBytes("b'c")])),
    optional(10, packed(255)),
  ]);
  return event(19, body, { checksum: true, next: 1 });
}

const columns = ['id', 'y', 'u', 'j', 'e', 's', 't', 'n', 'd'];
const today: TableSchema = {
  ref: { schema: 'db', name: 'items' },
  columns: columns.map((name) => ({
    name,
    type: 'int',
    nullable: name !== 'id',
    hasDefault: false,
    generated: 'no',
    identity: 'no',
  })),
  key: { columns: ['id'], origin: 'primary' },
  foreignKeys: [],
  referencedBy: [],
  triggers: [],
  rules: [],
  sequences: [],
  children: [],
  partitioning: 'none',
  transactional: true,
};
const collations = new Map([
  [8, 'latin1'],
  [255, 'utf8mb4'],
]);

function datetime2(): Buffer {
  const ym = 2024 * 13 + 2;
  const ymd = (ym << 5) | 29;
  const hms = (13 << 12) | (14 << 6) | 15;
  const whole = BigInt(ymd) * 2n ** 17n + BigInt(hms) + 0x8000000000n;
  const bytes = Buffer.alloc(7);
  bytes.writeUIntBE(Number(whole), 0, 5);
  bytes.writeUInt16BE(6780, 5);
  return bytes;
}

/** One row image of the table above (every column present, `nulls` a bitmap over them). */
function row(id: number, json: J, nulls = 0): Buffer {
  const doc = jsonBinary(json);
  const values = [
    uint(id >>> 0, 4),
    Buffer.from([0]),
    u32(0xffffffff),
    Buffer.concat([u32(doc.length), doc]),
    Buffer.from([2]),
    Buffer.from([3]),
    Buffer.from([3, 0x80, 0x81, 0x41]),
    Buffer.concat([Buffer.from([4]), Buffer.from('😀')]),
    datetime2(),
  ];
  return Buffer.concat([u16(nulls), ...values]);
}

function rowsV2(type: number, tableId: number, images: Buffer[]): Buffer {
  const bitmap = Buffer.from([0xff, 0x01]);
  const body = Buffer.concat([
    uint(tableId, 6),
    u16(1),
    u16(2),
    packed(9),
    bitmap,
    ...(type === 31 ? [bitmap] : []),
    ...images,
  ]);
  return event(type, body, { checksum: true, next: 1 });
}

function scan(events: Buffer[]): { changes: { txn: number; change: string[] }[]; settled: Settled[] } {
  const changes: { txn: number; change: string[] }[] = [];
  const settled: Settled[] = [];
  const sink: ScanSink = {
    change: (txn: number, c: RowChange) =>
      changes.push({
        txn,
        change: [c.kind, c.before?.line.toString() ?? '-', c.after?.line.toString() ?? '-'],
      }),
    settle: (s) => settled.push(s),
    statement: () => {},
  };
  const scanner = new Scanner(
    'binlog.000007',
    { schema: 'db', name: 'items' },
    { kind: 'time', seconds: 1_800_000_000 },
    (map) => new RowsDecoder(projectionFor(map, { table: today, columns, key: ['id'], collations })),
    sink,
  );
  for (const raw of events) scanner.push(raw);
  scanner.finish();
  return { changes, settled };
}

describe('MySQL 8 events, built from the documented formats', () => {
  const uuid = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
  const at = 1_800_000_000n * 1_000_000n + 250_000n;
  const expectedRow = (id: number, json: string) =>
    `${id}\t0000\t4294967295\t${json}\tb'c\tx,y\t€\u0081A\t😀\t2024-02-29 13:14:15.678`;

  test('decodes v2 rows with FULL metadata, inside and outside a compressed TRANSACTION_PAYLOAD', () => {
    const { changes, settled } = scan([
      formatDescription('8.0.36', true, { next: 126 }),
      mysqlGtid(uuid, 41, at, { checksum: true, next: 1 }),
      query('db', 'BEGIN', { checksum: true, next: 1 }),
      tableMap(88),
      rowsV2(30, 88, [row(-5, { obj: [['k', { str: 'v' }]] })]),
      xid(1, { checksum: true, next: 1 }),
      mysqlGtid(uuid, 42, at + 1_000_000n, { checksum: true, next: 1 }),
      transactionPayload(
        [
          query('db', 'BEGIN'),
          event(19, tableMap(88).subarray(19, -4)),
          event(
            31,
            rowsV2(31, 88, [
              row(-5, { obj: [['k', { str: 'v' }]] }),
              row(6, { arr: [{ lit: 'false' }] }),
            ]).subarray(19, -4),
          ),
          xid(2),
        ],
        { checksum: true, next: 1 },
      ),
      // Left open: the reading stops before its COMMIT.
      mysqlGtid(uuid, 43, at + 2_000_000n, { checksum: true, next: 1 }),
      query('db', 'BEGIN', { checksum: true, next: 1 }),
      tableMap(88),
      rowsV2(32, 88, [row(6, { arr: [{ lit: 'false' }] })]),
    ]);
    expect(changes).toEqual([
      { txn: 1, change: ['write', '-', expectedRow(-5, '{"k": "v"}')] },
      { txn: 2, change: ['update', expectedRow(-5, '{"k": "v"}'), expectedRow(6, '[false]')] },
      { txn: 3, change: ['delete', expectedRow(6, '[false]'), '-'] },
    ]);
    expect(settled.map((s) => [s.txn, s.gtid, s.outcome, s.commitTime, s.commitMicros])).toEqual([
      [1, `${uuid}:41`, 'counted', 1_800_000_000, 250_000],
      [2, `${uuid}:42`, 'counted', 1_800_000_001, 250_000],
      [3, `${uuid}:43`, 'uncommitted', undefined, 250_000],
    ]);
  });

  test('refuses a partial JSON update of the table, which carries no full after image', () => {
    expect(() =>
      scan([
        formatDescription('8.0.36', true, { next: 126 }),
        mysqlGtid(uuid, 44, at, { checksum: true, next: 1 }),
        query('db', 'BEGIN', { checksum: true, next: 1 }),
        tableMap(88),
        rowsV2(39, 88, []),
      ]),
    ).toThrow(ScanRefused);
  });
});
