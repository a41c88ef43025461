import { describe, expect, test } from 'vitest';
import { type ProgressEvent, restore } from '../../src/index.js';
import { type EngineName, tempDir } from '../harness/index.js';
import { SCENARIO_ENGINES, TIMEOUT, withScratch } from './support.js';

/** 5,000 rows, each engine's way. */
const FILL: Record<EngineName, string> = {
  postgres: "INSERT INTO feed SELECT i, 'row ' || i FROM generate_series(1, 5000) AS i",
  mysql: "INSERT INTO feed SELECT seq, CONCAT('row ', seq) FROM seq_1_to_5000",
  sqlite: `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 5000)
    INSERT INTO feed SELECT i, 'row ' || i FROM s`,
};

/**
 * Into an emptied table with nobody to ask, rows stream straight in and are counted on the way:
 * --max-changes stops the copy at the first row past it, and everything rolls back.
 */
describe.each(SCENARIO_ENGINES)('--max-changes on the direct path, on %s', (engine) => {
  test(
    'a source with more rows is refused mid-stream, nothing written; as many rows as allowed are applied',
    async () => {
      await withScratch(engine, async (s) => {
        for (const side of [s.source, s.target]) {
          await side.exec('CREATE TABLE feed (id int PRIMARY KEY, v varchar(20) NOT NULL)');
        }
        await s.source.exec(FILL[engine]);
        const options = { table: 'feed', from: s.sourceUrl, to: s.targetUrl, stateDir: await tempDir() };
        const events: ProgressEvent[] = [];
        const error = await restore({
          ...options,
          maxChanges: 4999,
          onProgress: (e) => events.push(e),
        }).catch((e: unknown) => e);
        expect(error).toMatchObject({ code: 'plan-grew' });
        expect((error as Error).message).toContain(
          'would write more than --max-changes 4,999 row(s): the source yielded row 5,000, so the copy stopped there. Nothing was written.',
        );
        // It was the direct path that refused, while copying: nothing was staged, nothing was counted first.
        expect(events.some((e) => e.step === 'stage' || e.step === 'source')).toBe(false);
        expect(await s.target.query('SELECT count(*) FROM feed')).toEqual([['0']]);
        const report = await restore({ ...options, maxChanges: 5000 });
        expect(report).toMatchObject({
          path: 'direct',
          plan: { missing: 5000 },
          applied: { inserted: 5000 },
        });
      });
    },
    TIMEOUT,
  );
});
