import { describe, expect, it } from 'vitest';
import { isRowbackError, restore } from '../../../src/index.js';
import { runCli } from '../../harness/index.js';
import { exactRows, filePair, run } from './support.js';

const SHOP = `
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers (id), total TEXT);
CREATE TABLE audit (what TEXT);
CREATE TRIGGER orders_audit AFTER INSERT ON orders BEGIN INSERT INTO audit VALUES ('order ' || NEW.id); END;
INSERT INTO customers VALUES (1, 'ann'), (2, 'bob');
INSERT INTO orders VALUES (10, 1, '9.50'), (11, 2, '20.00'), (12, 2, '1.00');
DELETE FROM audit;`;

describe('SQLite foreign keys, triggers, STRICT tables', () => {
  it('refuses rows whose parent is gone (exit 7, nothing written) unless foreign key checks are skipped', async () => {
    const files = await filePair(SHOP);
    run(files.target, 'PRAGMA foreign_keys = OFF; DELETE FROM orders; DELETE FROM customers WHERE id = 2;');
    const refused = await restore({
      table: 'orders',
      from: files.source,
      to: files.target,
      stateDir: files.stateDir,
    }).catch((e: unknown) => e);
    expect(isRowbackError(refused) && refused.code).toBe('missing-parent');
    expect(exactRows(files.target, 'orders', 'id')).toEqual([]);
    const cli = await runCli(['restore', 'orders', '--from', files.source, '--to', files.target, '--yes']);
    expect(cli.code).toBe(7);
    const skipped = await restore({
      table: 'orders',
      from: files.source,
      to: files.target,
      stateDir: files.stateDir,
      skipForeignKeyChecks: true,
    });
    expect(skipped.applied).toEqual({ inserted: 3, updated: 0, deleted: 0 });
    expect(exactRows(files.target, 'orders', 'id')).toEqual(exactRows(files.source, 'orders', 'id'));
  });

  it('refuses a write that breaks a deferred foreign key before COMMIT, on a dry run too (exit 7, rolled back)', async () => {
    // The trigger moves each restored order to a customer that does not exist: a DEFERRABLE key lets
    // the UPDATE through, and only COMMIT (which a dry run never reaches) would notice.
    const files = await filePair(`
      CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
      CREATE TABLE orders (id INTEGER PRIMARY KEY,
        customer_id INTEGER REFERENCES customers (id) DEFERRABLE INITIALLY DEFERRED, total TEXT);
      INSERT INTO customers VALUES (1, 'ann'), (2, 'bob');
      INSERT INTO orders VALUES (10, 1, '9.50'), (11, 2, '20.00'), (12, 2, '1.00');`);
    run(
      files.target,
      `DELETE FROM orders WHERE id > 10;
       CREATE TRIGGER orders_move AFTER INSERT ON orders BEGIN
         UPDATE orders SET customer_id = customer_id + 100 WHERE id = NEW.id; END;`,
    );
    const before = exactRows(files.target, 'orders', 'id');
    for (const dryRun of [true, false]) {
      const refused = await restore({
        table: 'orders',
        from: files.source,
        to: files.target,
        stateDir: files.stateDir,
        allowTriggerChanges: true,
        dryRun,
      }).catch((e: unknown) => e);
      expect(isRowbackError(refused) && refused.code).toBe('missing-parent');
      expect(isRowbackError(refused) && refused.message).toContain(
        'Writing these rows into main.orders would break foreign keys: 2 row(s) reference main.customers (customer_id) through foreign key (customer_id) references customers, e.g. 102',
      );
      expect(exactRows(files.target, 'orders', 'id')).toEqual(before);
    }
    const cli = await runCli([
      'restore',
      'orders',
      '--from',
      files.source,
      '--to',
      files.target,
      '--yes',
      '--allow-trigger-changes',
    ]);
    expect(cli.code).toBe(7);
    expect(exactRows(files.target, 'orders', 'id')).toEqual(before);
  });

  it('lets triggers fire as they would for the application, and refuses --disable-triggers (exit 4)', async () => {
    const files = await filePair(SHOP);
    run(files.target, 'DELETE FROM orders WHERE id > 10');
    const refused = await runCli([
      'restore',
      'orders',
      '--from',
      files.source,
      '--to',
      files.target,
      '--yes',
      '--disable-triggers',
    ]);
    expect(refused.code).toBe(4);
    expect(exactRows(files.target, 'orders', 'id')).toHaveLength(1);
    const report = await restore({
      table: 'orders',
      from: files.source,
      to: files.target,
      stateDir: files.stateDir,
    });
    expect(report.applied).toEqual({ inserted: 2, updated: 0, deleted: 0 });
    expect(exactRows(files.target, 'audit', 'what')).toEqual([
      `text:${Buffer.from('order 11').toString('hex')}`,
      `text:${Buffer.from('order 12').toString('hex')}`,
    ]);
  });

  it('restores a STRICT table, its ANY column keeping each value as stored, and leaves generated columns to SQLite', async () => {
    const files = await filePair(`
      CREATE TABLE s (id INTEGER PRIMARY KEY, a ANY, n INT NOT NULL, twice INT GENERATED ALWAYS AS (n * 2) VIRTUAL) STRICT;
      INSERT INTO s (id, a, n) VALUES (1, '1', 1), (2, 1, 2), (3, 1.0, 3), (4, x'31', 4), (5, -0.0, 5), (6, NULL, 6);`);
    run(files.target, 'DELETE FROM s WHERE id % 2 = 1; UPDATE s SET a = 2 WHERE id = 2');
    const report = await restore({
      table: 's',
      from: files.source,
      to: files.target,
      stateDir: files.stateDir,
      changed: 'take-source',
    });
    expect(report.plan).toEqual({ missing: 3, changed: 1, extra: 0, same: 2 });
    expect(exactRows(files.target, 's', 'id')).toEqual(exactRows(files.source, 's', 'id'));
    expect(exactRows(files.target, 's', 'id').map((line) => line.split(' ')[1])).toEqual([
      'text:31',
      'integer:31',
      'real:3ff0000000000000',
      'blob:31',
      'real:8000000000000000',
      'null',
    ]);
  });
});
