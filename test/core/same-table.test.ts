import { describe, expect, it } from 'vitest';
import { sameTable } from '../../src/core/same-table.js';

const ONE = {
  server: 'PostgreSQL system 7313, timeline 1',
  database: 'database app (oid 16384)',
  table: 'table public.invoice (oid 16390)',
};

describe('sameTable', () => {
  it('is one table when server, database and table agree and the running server is the same or unknown', () => {
    expect(sameTable(ONE, { ...ONE })).toBe(true);
    expect(sameTable({ ...ONE, instance: 'server started 2026-11-29 10:00:00+00' }, ONE)).toBe(true);
    const started = { ...ONE, instance: 'server started 2026-11-29 10:00:00+00' };
    expect(sameTable(started, { ...started })).toBe(true);
  });

  it('tells a standby or a server started from a snapshot of the files apart by when it started', () => {
    const primary = { ...ONE, instance: 'server started 2026-11-29 10:00:00+00' };
    const copy = { ...ONE, instance: 'server started 2026-11-29 11:30:00+00' };
    expect(sameTable(primary, copy)).toBe(false);
  });

  it('is another table when any part differs', () => {
    expect(sameTable(ONE, { ...ONE, server: 'PostgreSQL system 7313, timeline 2' })).toBe(false);
    expect(sameTable(ONE, { ...ONE, database: 'database app (oid 99999)' })).toBe(false);
    expect(sameTable(ONE, { ...ONE, table: 'table public.invoice_archive (oid 16400)' })).toBe(false);
  });
});
