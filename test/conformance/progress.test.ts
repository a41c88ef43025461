import { describe, expect, test } from 'vitest';
import type { ProgressEvent } from '../../src/index.js';
import { restore } from '../../src/index.js';
import { type EngineName, tempDir } from '../harness/index.js';
import { engineCan, SCENARIO_ENGINES, TIMEOUT, withScratch } from './support.js';
import { MYSQL_TABLE } from './text.js';

/** 5,000 rows, each engine's way. */
const FILL: Record<EngineName, string> = {
  postgres: "INSERT INTO feed SELECT i, 'row ' || i FROM generate_series(1, 5000) AS i",
  mysql: "INSERT INTO feed SELECT seq, CONCAT('row ', seq) FROM seq_1_to_5000",
  sqlite: `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 5000)
    INSERT INTO feed SELECT i, 'row ' || i FROM s`,
};

/** Long work reports progress: row counts that are numbers and reach the total. */
describe.each(SCENARIO_ENGINES)('progress on %s', (engine) => {
  test.each([
    ['refilling an emptied table', 'DELETE FROM feed', 'apply'],
    ['merging', 'DELETE FROM feed WHERE id % 2 = 0', 'stage'],
  ])(
    'reports rows while %s',
    async (_what, accident, given) => {
      // merged under the lock in key order where the engine can (ordered-merge.test.ts), else staged
      const step = given === 'stage' && engineCan(engine, 'orderedMerge') ? 'compare' : given;
      await withScratch(engine, async (s) => {
        for (const side of [s.source, s.target]) {
          // one character set on both sides, as a merge under the lock needs (same column types)
          const options = engine === 'mysql' ? ` ${MYSQL_TABLE}` : '';
          await side.exec(`CREATE TABLE feed (id int PRIMARY KEY, v varchar(20) NOT NULL)${options}`);
          await side.exec(FILL[engine]);
        }
        await s.target.exec(accident);
        const events: ProgressEvent[] = [];
        await restore({
          table: 'feed',
          from: s.sourceUrl,
          to: s.targetUrl,
          stateDir: await tempDir(),
          onProgress: (e) => events.push(e),
        });
        const counted = events.filter((e) => e.step === step && e.rows !== undefined);
        expect(counted.length).toBeGreaterThan(0);
        for (const e of counted) {
          expect(typeof e.rows).toBe('number');
          expect(e.total).toBe(5000);
        }
        expect(counted.at(-1)?.rows).toBe(5000);
      });
    },
    TIMEOUT,
  );
});
