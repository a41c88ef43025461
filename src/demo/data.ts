import type { SqlSession } from './db.js';

/** The demo's table, its columns in display order. */
export const TABLE = 'billing';
export const COLUMNS = ['id', 'customer', 'amount', 'currency', 'issued_at', 'note'] as const;

type Invoice = [
  id: string,
  customer: string,
  amount: string,
  currency: string,
  issuedAt: string,
  note: string | null,
];

/** The invoices as they were before the accident. Every value is text: it never becomes a JS number or Date. */
const INVOICES: Invoice[] = [
  ['1', 'Acme Corp', '1200.00', 'EUR', '2026-11-02 09:15:00.120000', 'annual plan'],
  ['2', 'Globex', '89.90', 'USD', '2026-11-03 14:02:11.000000', null],
  ['3', 'Initech', '15000.00', 'USD', '2026-11-05 08:30:00.000000', 'enterprise, net 60'],
  ['4', 'Zürich Café AG', '42.50', 'CHF', '2026-11-07 11:47:03.250000', 'paid by card'],
  ['5', 'Umbrella Ltd', '310.00', 'GBP', '2026-11-09 16:20:45.999999', null],
  ['6', 'Hooli', '2500.00', 'USD', '2026-11-12 10:00:00.000000', "O'Brien approved"],
  ['7', 'Stark Industries', '120.00', 'EUR', '2026-11-14 13:13:13.131313', 'monthly'],
  ['8', 'Wayne Enterprises', '99999.99', 'USD', '2026-11-16 23:59:59.500000', 'largest this month'],
  ['9', 'Tyrell', '0.01', 'EUR', '2026-11-18 07:05:00.000001', 'test charge'],
  ['10', 'Cyberdyne', '640.00', 'EUR', '2026-11-20 12:00:00.000000', null],
  ['11', 'Soylent', '75.25', 'GBP', '2026-11-22 18:30:30.300000', 'refund pending'],
  ['12', 'Aperture', '1999.00', 'USD', '2026-11-24 09:00:00.000000', 'renewal'],
];

/** A new invoice written after the accident. */
const NEW_INVOICE: Invoice = [
  '13',
  'Massive Dynamic',
  '560.00',
  'EUR',
  '2026-11-25 09:20:00.000000',
  'written after the accident',
];

/** Invoice 7 written again after the accident, by the payment webhook, with what the customer paid. */
const REWRITTEN_INVOICE: Invoice = [
  '7',
  'Stark Industries',
  '95.00',
  'EUR',
  '2026-11-14 13:13:13.131313',
  'paid after discount',
];

export const INVOICE_COUNT = INVOICES.length;
export const NEW_INVOICE_ID = NEW_INVOICE[0];
export const REWRITTEN_INVOICE_ID = REWRITTEN_INVOICE[0];

/** Creates the table and fills it with the invoices as they were before the accident. */
export async function createBilling(db: SqlSession): Promise<void> {
  // MySQL: an explicit default, or old servers make the first timestamp column ON UPDATE CURRENT_TIMESTAMP.
  const timestamp = db.engine === 'postgres' ? 'timestamptz(6)' : 'timestamp(6) DEFAULT CURRENT_TIMESTAMP(6)';
  // SQLite: an INTEGER PRIMARY KEY, and amounts and times as text (a NUMERIC column would store 1200.00 as 1200).
  await db.run(
    db.engine === 'sqlite'
      ? `CREATE TABLE ${TABLE} (id INTEGER PRIMARY KEY, customer TEXT NOT NULL, amount TEXT NOT NULL,
           currency TEXT NOT NULL, issued_at TEXT NOT NULL, note TEXT)`
      : `CREATE TABLE ${TABLE} (
    id bigint PRIMARY KEY,
    customer varchar(100) NOT NULL,
    amount numeric(12,2) NOT NULL,
    currency char(3) NOT NULL,
    issued_at ${timestamp} NOT NULL,
    note text)`,
  );
  await insert(db, INVOICES);
}

/** What the application wrote after the accident: a new invoice, and invoice 7 again with new values. */
export async function writeAfterAccident(db: SqlSession): Promise<void> {
  await insert(db, [NEW_INVOICE, REWRITTEN_INVOICE]);
}

async function insert(db: SqlSession, invoices: Invoice[]): Promise<void> {
  // Timestamps are UTC text: the session is pinned to UTC (see openSession).
  const values = invoices.map((invoice) => `(${invoice.map(literal).join(', ')})`).join(',\n');
  await db.run(`INSERT INTO ${TABLE} (${COLUMNS.join(', ')}) VALUES ${values}`);
}

function literal(value: string | null): string {
  return value === null ? 'NULL' : `'${value.replaceAll("'", "''")}'`;
}

/** The table's rows by id, every value as the server's text. */
export async function readBilling(db: SqlSession): Promise<Record<string, string | null>[]> {
  return db.rows(`SELECT ${COLUMNS.join(', ')} FROM ${TABLE} ORDER BY id`);
}
