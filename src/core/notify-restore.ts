import { defaultOperator } from './audit.js';
import { countText } from './count-text.js';
import type { RowbackError } from './errors.js';
import { Notifier, notifyUrls, runFacts } from './notify.js';
import type { Preview, RestoreOptions, RestoreReport } from './options.js';
import { labelOf } from './sessions.js';

const n = countText;

/**
 * The notifications of one restore: started, ready (the source is open, with its size), planned,
 * applied and verified, failed, cleaned up. `wrap` returns the options with the hooks that feed them.
 */
export class RestoreNotices {
  readonly notifier: Notifier;
  private readonly table: string;

  constructor(
    private readonly options: RestoreOptions,
    id: string,
  ) {
    this.table = options.table;
    const operator = options.operator ?? defaultOperator();
    this.notifier = new Notifier(
      notifyUrls(options.notify),
      {
        ...runFacts({ id, operator, table: options.table }),
        command: 'restore',
        source: labelOf(options.from),
        target: labelOf(options.to),
        ...(options.asOf ? { asOf: options.asOf } : {}),
      },
      (text) => options.onNotice?.(text),
    );
  }

  /** The options with onPreview and onCleanup also feeding the notifications. */
  wrap(): RestoreOptions {
    if (!this.notifier.enabled) return this.options;
    const { onPreview, onCleanup } = this.options;
    return {
      ...this.options,
      onPreview: (preview) => {
        this.planned(preview);
        onPreview?.(preview);
      },
      onCleanup: (summary) => {
        this.notifier.post({ event: 'cleaned', text: `rowback: ${summary}`, fields: {} });
        onCleanup?.(summary);
      },
    };
  }

  started(): void {
    const { options } = this;
    const operator = options.operator ?? defaultOperator();
    const moment = options.asOf ? ` as of ${options.asOf}` : '';
    this.notifier.post({
      event: 'started',
      text: `rowback: ${operator} is restoring ${this.table} on ${labelOf(options.to)} from ${labelOf(options.from)}${moment}.`,
      fields: {},
    });
  }

  ready(source: string, rows: number | undefined): void {
    const size = rows === undefined ? '' : ` (about ${n(rows)} rows)`;
    this.notifier.post({
      event: 'ready',
      text: `rowback: ${source} is readable${size}; planning the restore of ${this.table}.`,
      fields: { source, ...(rows === undefined ? {} : { estimatedRows: rows }) },
    });
  }

  private planned(preview: Preview): void {
    const { plan, policy, intended } = preview;
    this.notifier.post({
      event: 'planned',
      text: `rowback: plan for ${preview.table}: ${n(plan.missing)} missing → insert, ${n(plan.changed)} changed → ${policy.changed === 'take-source' ? 'take the source values' : 'keep current values'}, ${n(plan.extra)} extra → ${policy.extra}, ${n(plan.same)} same. Writes: ${n(intended.inserted)} inserted, ${n(intended.updated)} updated, ${n(intended.deleted)} deleted.`,
      fields: { plan, policy, intended },
    });
  }

  applied(report: RestoreReport): void {
    const a = report.applied;
    const counts = `${n(a.inserted)} inserted, ${n(a.updated)} updated, ${n(a.deleted)} deleted`;
    const verified = report.verification
      ? report.verification.mismatched
        ? `; ${n(report.verification.mismatched)} of ${n(report.verification.checked)} rows differ after writing`
        : `; verified ${n(report.verification.checked)} rows`
      : '';
    const text =
      report.outcome === 'applied'
        ? `rowback: restored ${report.table} on ${report.target}: ${counts}${verified}. Undo: rowback undo ${report.id}`
        : `rowback: ${report.outcome} for ${report.table} on ${report.target}: ${report.outcome === 'dry-run' ? `would have ${counts}; rolled back` : 'nothing was written'}.`;
    this.notifier.post({
      event: 'applied',
      text,
      fields: {
        outcome: report.outcome,
        applied: report.applied,
        ...(report.verification ? { verification: report.verification } : {}),
        ...(report.outcome === 'applied' ? { undo: report.id } : {}),
      },
    });
  }

  failed(error: RowbackError): void {
    this.notifier.post({
      event: 'failed',
      text: `rowback: the restore of ${this.table} failed: ${error.message}`,
      fields: { error: { code: error.code, message: error.message } },
    });
  }
}
