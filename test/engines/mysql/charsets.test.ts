import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXIT_CODES, type RestoreOptions, RowbackError, restore } from '../../../src/index.js';
import { tempDir } from '../../harness/index.js';
import { openSides, type Sides } from './support.js';

/**
 * Text travels as UTF-8. Most character sets convert there and back exactly; some keep bytes that have no
 * character (ascii 0x80–0xFF, cp1250 0x81, a broken sjis sequence), which a UTF-8 read turns into '?'.
 */
describe('MySQL text in every character set', () => {
  let sides: Sides;
  const table = `CREATE TABLE cs (id INT PRIMARY KEY, a VARCHAR(10) CHARACTER SET ascii,
    cp VARCHAR(10) CHARACTER SET cp1250, sj VARCHAR(10) CHARACTER SET sjis, l1 VARCHAR(300) CHARACTER SET latin1)`;
  const bytes = 'SELECT id, HEX(a), HEX(cp), HEX(sj), HEX(l1) FROM cs ORDER BY id';
  beforeEach(async () => {
    sides = await openSides();
    await sides.both(table);
  });
  afterEach(() => sides.close());

  const run = (extra: Partial<RestoreOptions> = {}) =>
    restore({
      table: 'cs',
      from: sides.db.sourceUrl,
      to: sides.db.targetUrl,
      stateDir: '',
      ...extra,
    });

  it('carries every latin1 byte and valid cp1250 and sjis text exactly', async () => {
    await sides.db.source.exec(
      `INSERT INTO cs VALUES (1, 'plain', X'9A9E8A', X'B182A0', X'${allBytes()}'), (2, '', '', '', '')`,
    );
    const report = await run({ stateDir: await tempDir() });
    expect(report.applied).toEqual({ inserted: 2, updated: 0, deleted: 0 });
    expect(await sides.db.target.query(bytes)).toEqual([
      ['1', '706C61696E', '9A9E8A', 'B182A0', allBytes()],
      ['2', '', '', '', ''],
    ]);
    expect(await sides.db.dump('target', 'cs', ['id'])).toEqual(await sides.db.dump('source', 'cs', ['id']));
    expect((await sides.db.dump('target', 'cs', ['id']))[0]).toMatch(/^1\tplain\tšžŠ\tｱあ\t/);
  });

  it('refuses a value whose bytes are not text of its column, naming the column, and writes nothing', async () => {
    await sides.db.source.exec(
      "INSERT INTO cs VALUES (1, 'ok', 'ok', 'ok', 'ok'), (2, X'80FF', 'x', 'x', 'x')",
    );
    // an empty target takes the rows straight in; one with a row merges through the staging table
    for (const before of [[], [['3', '6B657074', null, null, null]]]) {
      if (before.length > 0) await sides.db.target.exec("INSERT INTO cs (id, a) VALUES (3, 'kept')");
      const error = await run({ stateDir: await tempDir() }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RowbackError);
      expect((error as RowbackError).code).toBe('unsupported');
      expect(EXIT_CODES[(error as RowbackError).code]).toBe(4);
      expect((error as RowbackError).message).toMatch(
        /^A value of column a in \S+\.cs holds bytes that are not ascii text; rowback carries text as UTF-8 and would write '\?' in their place/,
      );
      expect(await sides.db.target.query(bytes)).toEqual(before);
    }
  });

  it('refuses to overwrite a target row whose old text it could not put back on undo', async () => {
    await sides.db.source.exec("INSERT INTO cs VALUES (1, 'a', 'new', 'b', 'c')");
    await sides.db.target.exec("INSERT INTO cs VALUES (1, 'a', X'8183', 'b', 'c')");
    const error = await run({ stateDir: await tempDir(), changed: 'take-source' }).catch((e: unknown) => e);
    expect((error as RowbackError).code).toBe('unsupported');
    expect((error as RowbackError).message).toContain('column cp in');
    expect((error as RowbackError).message).toContain('not cp1250 text');
    expect(await sides.db.target.query(bytes)).toEqual([['1', '61', '8183', '62', '63']]);
    // keeping the target's values reads nothing of that row, so the same restore goes through
    const kept = await run({ stateDir: await tempDir() });
    expect(kept.plan).toEqual({ missing: 0, changed: 1, extra: 0, same: 0 });
    expect(await sides.db.target.query(bytes)).toEqual([['1', '61', '8183', '62', '63']]);
  });
});

/** Every byte 0x00–0xFF, as hex. */
function allBytes(): string {
  return Buffer.from(Array.from({ length: 256 }, (_, i) => i))
    .toString('hex')
    .toUpperCase();
}
