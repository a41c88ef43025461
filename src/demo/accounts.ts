import type { SqlSession, TextRow } from './db.js';

/** The demo's second table: customer accounts and their plan, the column an UPDATE without WHERE hits. */
export const ACCOUNTS = 'accounts';
export const ACCOUNT_COLUMNS = ['id', 'customer', 'plan', 'seats'] as const;

/** The accounts as they were before the accident (id, customer, plan, seats), every value text. */
const ACCOUNT_ROWS: [string, string, string, string][] = [
  ['1', 'Acme Corp', 'team', '25'],
  ['2', 'Globex', 'pro', '5'],
  ['3', 'Initech', 'enterprise', '400'],
  ['4', 'Zürich Café AG', 'free', '1'],
  ['5', 'Umbrella Ltd', 'pro', '12'],
  ['6', 'Hooli', 'enterprise', '900'],
  ['7', 'Stark Industries', 'team', '40'],
  ['8', 'Wayne Enterprises', 'enterprise', '1200'],
];

/** The accident: every account's plan set to 'free'. */
export const UPDATE_ACCIDENT = `UPDATE ${ACCOUNTS} SET plan = 'free'`;

/**
 * What the application wrote after it: Globex upgraded again (the same column), Initech and Hooli changed
 * their seats (another column), and a new account signed up on the free plan.
 */
const LATER_WRITES = [
  `UPDATE ${ACCOUNTS} SET plan = 'team' WHERE id = 2`,
  `UPDATE ${ACCOUNTS} SET seats = 420 WHERE id = 3`,
  `UPDATE ${ACCOUNTS} SET seats = 950 WHERE id = 6`,
  `INSERT INTO ${ACCOUNTS} (id, customer, plan, seats) VALUES (9, 'Tyrell', 'free', 1)`,
];

export async function createAccounts(db: SqlSession): Promise<void> {
  await db.run(`CREATE TABLE ${ACCOUNTS} (
    id bigint PRIMARY KEY,
    customer varchar(100) NOT NULL,
    plan varchar(20) NOT NULL,
    seats integer NOT NULL)`);
  const values = ACCOUNT_ROWS.map((row) => `(${row[0]}, '${row[1]}', '${row[2]}', ${row[3]})`).join(', ');
  await db.run(`INSERT INTO ${ACCOUNTS} (${ACCOUNT_COLUMNS.join(', ')}) VALUES ${values}`);
}

export async function writeAfterUpdate(db: SqlSession): Promise<void> {
  for (const sql of LATER_WRITES) await db.run(sql);
}

export function readAccounts(db: SqlSession): Promise<TextRow[]> {
  return db.rows(`SELECT ${ACCOUNT_COLUMNS.join(', ')} FROM ${ACCOUNTS} ORDER BY id`);
}
