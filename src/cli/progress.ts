import { createRequire } from 'node:module';
import type { SingleBar } from 'cli-progress';
import { countText, type ProgressEvent } from '../index.js';

// Loaded only when a bar is drawn (stderr is a terminal): a restore run from a script or with --json
// does not pay for loading it.
const load = createRequire(import.meta.url);

const MB = 1_000_000;

/** The event measured against its total: rows (or its `unit`) of the total, else bytes read of the source's bytes. */
function measure(e: ProgressEvent): { value: number; total: number; unit: string } | undefined {
  if (e.rows !== undefined && e.total !== undefined) {
    return { value: e.rows, total: e.total, unit: e.unit ?? 'rows' };
  }
  if (e.bytes !== undefined && e.totalBytes !== undefined && e.totalBytes > 0) {
    return { value: Math.min(e.bytes, e.totalBytes), total: e.totalBytes, unit: 'MB' };
  }
  return undefined;
}

/** The bar's amounts in MB, and the rows so far. */
function payloadOf(m: { value: number; total: number }, e: ProgressEvent) {
  return {
    read: (m.value / MB).toFixed(1),
    size: (m.total / MB).toFixed(1),
    rows: countText(e.rows ?? 0),
  };
}

/**
 * Progress on stderr while long steps run: a bar when the total is known (rows, or bytes of a file
 * source), a counter otherwise. Silent when stderr is not a terminal, so logs and CI output stay clean.
 */
export function progressReporter(enabled: boolean): {
  /** Absent when nothing is shown: the library then skips work done only for progress (counting a source). */
  onProgress?: (e: ProgressEvent) => void;
  stop: () => void;
} {
  if (!enabled || !process.stderr.isTTY) return { stop: () => {} };
  let bar: SingleBar | undefined;
  let step = '';
  const stop = () => {
    bar?.stop();
    bar = undefined;
  };
  const onProgress = (e: ProgressEvent) => {
    const m = measure(e);
    if (!m) {
      // No total to measure against: a line per step (apply reports each phase once it is done).
      stop();
      const what = e.message ?? e.step;
      if (e.rows !== undefined) process.stderr.write(`… ${e.step} ${what}: ${countText(e.rows)} rows\n`);
      else if (e.step !== step) process.stderr.write(`… ${what}\n`);
      step = e.step;
      return;
    }
    const key = `${e.step}:${m.unit}`;
    if (!bar || key !== step) {
      stop();
      step = key;
      const eta = e.step === 'source' ? '  ~{eta_formatted} left' : '';
      const amounts = m.unit === 'MB' ? '{read}/{size} MB read, {rows} rows' : `{value}/{total} ${m.unit}`;
      const { SingleBar: Bar } = load('cli-progress') as typeof import('cli-progress');
      bar = new Bar({
        stream: process.stderr,
        format: `${e.step.padEnd(6)} [{bar}] ${amounts}  {duration_formatted}${eta}`,
        hideCursor: true,
        clearOnComplete: true,
        fps: 5,
      });
      // With the payload: the first frame is drawn at once and would show the bare {placeholders}.
      bar.start(m.total, 0, payloadOf(m, e));
    }
    bar.setTotal(m.total);
    bar.update(m.value, payloadOf(m, e));
  };
  return { onProgress, stop };
}
