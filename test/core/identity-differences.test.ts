import { describe, expect, it } from 'vitest';
import { identityDifferences } from '../../src/core/refusals.js';

const recorded = {
  server: 'MariaDB server_uid x',
  database: 'database app',
  table: 'table app.t (created 2026-11-29 10:00:00)',
};

describe('identityDifferences', () => {
  it('tells a table created again within the same second apart by its table id', () => {
    expect(
      identityDifferences({ ...recorded, tableId: 'InnoDB 41' }, { ...recorded, tableId: 'InnoDB 57' }),
    ).toEqual([
      'table: the restore wrote to table app.t (created 2026-11-29 10:00:00) (id InnoDB 41), this is a table created again under that name (id InnoDB 57)',
    ]);
  });

  it('compares the table id only when both readings have it (a user without PROCESS reads none)', () => {
    expect(identityDifferences({ ...recorded, tableId: 'InnoDB 41' }, recorded)).toEqual([]);
    expect(identityDifferences(recorded, { ...recorded, tableId: 'InnoDB 41' })).toEqual([]);
    expect(
      identityDifferences({ ...recorded, tableId: 'InnoDB 41' }, { ...recorded, tableId: 'InnoDB 41' }),
    ).toEqual([]);
  });

  it('names the table once when its creation time differs too', () => {
    const found = { ...recorded, table: 'table app.t (created 2026-11-29 10:05:00)', tableId: 'InnoDB 57' };
    expect(identityDifferences({ ...recorded, tableId: 'InnoDB 41' }, found)).toHaveLength(1);
  });
});
