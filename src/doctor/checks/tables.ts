import type { Check } from '../types.js';

const TRANSACTIONAL = new Set(['innodb', 'rocksdb', 'tokudb', 'ndbcluster']);

/**
 * Per table of the database: would a DELETE of it be recoverable from the binlog now? It needs the server
 * checks above to pass, a transactional storage engine (for an atomic apply) and a key to match rows by.
 */
export const tables: Check = {
  id: 'tables',
  applies: (c) => c.engine === 'mysql' && c.database !== undefined,
  async run(c) {
    const blocking = [...c.results.values()].filter((r) => r.status === 'fail').map((r) => r.id);
    const rows = await c.query(
      `SELECT t.TABLE_NAME, t.ENGINE,
              EXISTS (SELECT 1 FROM information_schema.STATISTICS s
                      WHERE s.TABLE_SCHEMA = t.TABLE_SCHEMA AND s.TABLE_NAME = t.TABLE_NAME AND s.NON_UNIQUE = 0)
       FROM information_schema.TABLES t
       WHERE t.TABLE_SCHEMA = ? AND t.TABLE_TYPE = 'BASE TABLE' ORDER BY t.TABLE_NAME`,
      [c.database],
    );
    const wanted = c.tables ? new Set(c.tables) : undefined;
    const judged = rows
      .filter(([name]) => !wanted || wanted.has(name!))
      .map(([name, engine, keyed]) => {
        const why = blocking.length
          ? `the server fails ${blocking.join(', ')}`
          : !TRANSACTIONAL.has((engine ?? '').toLowerCase())
            ? `its ${engine} storage cannot be written atomically`
            : keyed === '0'
              ? 'it has no primary or unique key to match rows by'
              : undefined;
        return { table: name!, recoverable: why === undefined, ...(why ? { why } : {}) };
      });
    for (const missing of c.tables?.filter((t) => !rows.some(([n]) => n === t)) ?? []) {
      judged.push({ table: missing, recoverable: false, why: `no such table in ${c.database}` });
    }
    c.facts.tables = judged;
    const bad = judged.filter((t) => !t.recoverable);
    if (bad.length === 0) {
      return {
        id: this.id,
        status: 'ok',
        summary: `a DELETE of any of the ${judged.length} table(s) is recoverable now`,
      };
    }
    return {
      id: this.id,
      status: blocking.length ? 'fail' : 'warn',
      summary: `${bad.length} of ${judged.length} table(s) not recoverable now: ${bad
        .slice(0, 5)
        .map((t) => `${t.table} (${t.why})`)
        .join(', ')}${bad.length > 5 ? ', …' : ''}`,
    };
  },
};
