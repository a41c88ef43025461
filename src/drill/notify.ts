import { countText } from '../core/count-text.js';
import type { Notification } from '../core/notify.js';
import { formatDuration } from '../sources/instance/lifecycle.js';
import type { DrillReport } from './types.js';

const n = countText;

/** The one message a drill posts when it ends: passed or failed, where, and how long recovery took. */
export function drillNotification(report: DrillReport): Notification {
  const moment = report.asOf ? ` as of ${report.asOf}` : '';
  const head = `rowback drill of ${report.table} from ${report.source}${moment}`;
  const timing = `time to recovery ${formatDuration(report.timeToRecoveryMs)} (${report.steps
    .filter((s) => s.step === 'recover' || s.step === 'restore')
    .map((s) => `${s.step} ${formatDuration(s.durationMs)}`)
    .join(', ')})`;
  const text = report.failure
    ? `${head}: FAILED at ${report.failure.step} after ${formatDuration(report.durationMs)}: ${report.failure.detail}`
    : `${head}: passed in ${formatDuration(report.durationMs)}; ${timing}; ${n(report.restored?.rows ?? 0)} rows restored${comparison(report)}.`;
  return {
    event: 'drill',
    text,
    fields: {
      outcome: report.outcome,
      timeToRecoveryMs: report.timeToRecoveryMs,
      steps: report.steps.map(({ step, ok, durationMs }) => ({ step, ok, durationMs })),
      comparison: report.comparison,
      ...(report.restored ? { restored: report.restored } : {}),
      ...(report.liveTable ? { liveTable: report.liveTable } : {}),
      ...(report.failure ? { failure: { step: report.failure.step, ...report.failure.error } } : {}),
    },
  };
}

function comparison(report: DrillReport): string {
  const at = report.liveAt === 'as-of' ? ' at as-of' : '';
  if (report.comparison === 'match') return `, the same rows and checksum as the live table${at}`;
  if (report.comparison === 'differs')
    return `, the live table now has ${n(report.liveTable?.rows ?? 0)} rows (${report.liveTable?.checksum === report.restored?.checksum ? 'same checksum' : 'another checksum'}): written since as-of`;
  return '';
}
