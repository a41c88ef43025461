import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assumedZoneWarning, parseAsOf } from '../core/as-of.js';
import { defaultOperator } from '../core/audit.js';
import { countText } from '../core/count-text.js';
import { RowbackError } from '../core/errors.js';
import { Notifier, notifyUrls, runFacts } from '../core/notify.js';
import { redactUrl, registerUrlSecrets } from '../core/redact.js';
import { runRestore } from '../core/restore.js';
import type { Opened, Opener } from '../core/sessions.js';
import type { Source, SourceContext } from '../core/source.js';
import { resolveStateDir } from '../core/state-dir.js';
import { formatTable, writableColumns } from '../core/table.js';
import { checksumRows } from './checksum.js';
import { checksumLive } from './live.js';
import { drillNotification } from './notify.js';
import { scratchPlan } from './plan.js';
import { openScratch, type Scratch } from './scratch.js';
import { StepFailed, Steps } from './steps.js';
import type { DrillOptions, DrillReport, TableChecksum } from './types.js';

export type * from './types.js';
export { DRILL_FAILED_EXIT } from './types.js';

const n = countText;

/**
 * Rehearses a restore end to end into a scratch table: opens the scratch (refusing a table with rows no
 * drill made), makes the source ready (the slow part: an instance restored, a backup recovered), restores
 * the table into the scratch with rowback's own restore, counts and checksums it, compares it with the
 * live table, and removes everything it made. Never throws for a failed step: the report says which step
 * failed and why (`outcome: 'failed'`); it throws only for a command line it cannot run at all.
 */
export async function runDrill(options: DrillOptions, opener: Opener): Promise<DrillReport> {
  const started = Date.now();
  const plan = await scratchPlan(options, opener);
  const notice = options.onNotice ?? (() => {});
  const asOf = options.asOf === undefined ? undefined : parseAsOf(options.asOf);
  const assumed = asOf && assumedZoneWarning(asOf, options.asOf ?? '');
  if (assumed) notice(assumed);
  for (const url of [options.from, options.to, options.live]) if (url) registerUrlSecrets(url);
  const id = `drill-${new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
  const operator = options.operator ?? defaultOperator();
  const notifier = new Notifier(
    notifyUrls(options.notify),
    {
      ...runFacts({ id, operator, table: options.table }),
      command: 'drill',
      source: redactUrl(options.from),
    },
    notice,
  );
  const steps = new Steps(options.signal);
  const ref = plan.ref;
  const name = ref.name;
  const warnings: string[] = [];
  let scratch: Scratch | undefined;
  let source: Opened<Source> | undefined;
  let restored: TableChecksum | undefined;
  let liveTable: TableChecksum | undefined;
  let comparison: DrillReport['comparison'] = 'skipped';
  let liveAt: DrillReport['liveAt'];
  let columns: string[] = [];
  const restoreDir = await mkdtemp(join(tmpdir(), 'rowback-drill-'));
  try {
    scratch = await steps.run('scratch', async () => {
      const value = await openScratch(options.to, plan.engine, name, opener);
      const how = {
        absent: 'the table will be created',
        marked: 'a table an earlier drill left will be replaced',
        empty: 'its empty table will be filled',
      }[value.found];
      return { value, detail: `${value.label}: ${how}` };
    });
    const opened = await steps.run('recover', async () => {
      const value = await opener.source(
        options.from,
        scratch!.target,
        sourceContext(options, plan, plan.timeTravels ? asOf : undefined),
      );
      return { value, detail: `${value.value.label} is readable` };
    });
    source = opened;
    await steps.run('restore', async () => {
      const schema = await opened.value.describe(ref, options.key ?? []);
      await scratch!.prepare(schema);
      const report = await runRestore(
        {
          table: name,
          fromTable: options.table,
          from: opened.value,
          to: scratch!.url,
          ...(options.key ? { key: options.key } : {}),
          // The scratch's undo file and audit record are the drill's business only: kept apart, then removed.
          stateDir: restoreDir,
          operator,
          notify: [],
          ...(options.onProgress ? { onProgress: options.onProgress } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
        },
        opener,
      );
      warnings.push(...report.warnings);
      const a = report.applied;
      return {
        value: undefined,
        detail: `${report.outcome === 'nothing-to-do' ? 'nothing to restore: the source table is empty' : `${n(a.inserted)} rows restored (${report.path})`}${report.verification ? `, ${n(report.verification.checked)} verified` : ''}`,
      };
    });
    restored = await steps.run('checksum', async () => {
      const schema = await scratch!.describe();
      columns = writableColumns(schema).map((c) => c.name);
      const value = await checksumRows(scratch!.target.read(schema, { columns }), options.signal);
      return { value, detail: `${n(value.rows)} rows, checksum ${value.checksum}` };
    });
    if (options.live) {
      liveTable = await steps.run('compare', async () => {
        const live = options.live!;
        const value = await checksumLive(ref, columns, scratch!, opener, { ...options, live }, asOf);
        const same = value.rows === restored!.rows && value.checksum === restored!.checksum;
        liveAt = value.at;
        if (value.why)
          warnings.push(
            `The live table as of ${asOf?.utc} could not be read from its binlog (${value.why}); compared with the live table now.`,
          );
        comparison = same ? 'match' : value.at === 'as-of' ? 'mismatch' : 'differs';
        const when =
          value.at === 'as-of'
            ? "at as-of (today's rows, and the binlog's for the keys changed since)"
            : 'now';
        const detail = same
          ? `the live table ${when} has the same ${n(value.rows)} rows and checksum`
          : `the live table ${when} has ${n(value.rows)} rows, checksum ${value.checksum}${value.at === 'now' ? ': rows written since as-of, or rows the restore lost' : ''}`;
        if (comparison === 'mismatch' || (comparison === 'differs' && options.expectSame)) {
          throw new RowbackError(
            'verify-failed',
            `The restored ${formatTable(ref)} differs from the live table: ${detail}.`,
            {
              hint:
                comparison === 'mismatch'
                  ? 'The backup does not hold what the live server held at that moment: check the backup, its WAL or binlogs, and the moment.'
                  : 'With --expect-same the live table must not have been written since as-of; check the backup, the WAL and the moment.',
            },
          );
        }
        return { value: { rows: value.rows, checksum: value.checksum }, detail };
      });
    }
  } catch (error) {
    if (!(error instanceof StepFailed)) throw error;
  } finally {
    await steps.always('cleanup', async () => {
      const removed: string[] = [];
      await source?.close();
      if (source) removed.push('the source');
      const done = await scratch?.close(options.keep === true);
      if (done) removed.push(done);
      await rm(restoreDir, { recursive: true, force: true });
      return removed.length ? `closed ${removed.join('; ')}` : 'nothing to remove';
    });
  }
  const failure = steps.failed();
  const report: DrillReport = {
    command: 'drill',
    id,
    table: options.table,
    source: source?.value.label ?? redactUrl(options.from),
    ...(asOf ? { asOf: asOf.utc } : {}),
    scratch: scratch?.label ?? (options.to ? redactUrl(options.to) : 'a throwaway server'),
    ...(options.live ? { live: redactUrl(options.live) } : {}),
    outcome: failure ? 'failed' : 'passed',
    steps: steps.done,
    timeToRecoveryMs: steps.took('recover', 'restore'),
    ...(restored ? { restored } : {}),
    ...(liveTable ? { liveTable } : {}),
    ...(liveAt ? { liveAt } : {}),
    comparison,
    ...(failure ? { failure } : {}),
    warnings,
    durationMs: Date.now() - started,
  };
  notifier.post(drillNotification(report));
  await notifier.flush();
  return report;
}

function sourceContext(
  options: DrillOptions,
  plan: { database?: string },
  asOf: ReturnType<typeof parseAsOf> | undefined,
): SourceContext {
  const flags = { ...options.sourceFlags, ...(plan.database ? { database: plan.database } : {}) };
  return {
    table: options.table,
    stateDir: resolveStateDir(options.stateDir),
    ...(asOf ? { asOf } : {}),
    ...(options.live ? { targetUrl: options.live } : {}),
    ...(Object.keys(flags).length ? { flags } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.onNotice ? { onNotice: options.onNotice } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.askPassword ? { askPassword: options.askPassword } : {}),
  };
}
