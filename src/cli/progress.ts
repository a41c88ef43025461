import { SingleBar } from 'cli-progress';
import { countText, type ProgressEvent } from '../index.js';

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
      bar = new SingleBar({
        stream: process.stderr,
        format: `${e.step.padEnd(6)} [{bar}] ${amounts}  {duration_formatted}${eta}`,
        hideCursor: true,
        clearOnComplete: true,
        fps: 5,
      });
      bar.start(m.total, 0);
    }
    bar.setTotal(m.total);
    bar.update(m.value, {
      read: (m.value / MB).toFixed(1),
      size: (m.total / MB).toFixed(1),
      rows: countText(e.rows ?? 0),
    });
  };
  return { onProgress, stop };
}
