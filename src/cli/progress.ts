import { SingleBar } from 'cli-progress';
import type { ProgressEvent } from '../index.js';

/**
 * Progress on stderr while long steps run: a bar when the total is known, a counter otherwise. Silent
 * when stderr is not a terminal, so logs and CI output stay clean.
 */
export function progressReporter(enabled: boolean): {
  onProgress: (e: ProgressEvent) => void;
  stop: () => void;
} {
  if (!enabled || !process.stderr.isTTY) return { onProgress: () => {}, stop: () => {} };
  let bar: SingleBar | undefined;
  let step = '';
  const stop = () => {
    bar?.stop();
    bar = undefined;
  };
  const onProgress = (e: ProgressEvent) => {
    if (e.rows === undefined || e.total === undefined) {
      // No total to measure against: a line per step (apply reports each phase once it is done).
      stop();
      const what = e.message ?? e.step;
      if (e.rows !== undefined)
        process.stderr.write(`… ${e.step} ${what}: ${e.rows.toLocaleString('en-US')} rows\n`);
      else if (e.step !== step) process.stderr.write(`… ${what}\n`);
      step = e.step;
      return;
    }
    const key = `${e.step}:${e.unit ?? 'rows'}`;
    if (!bar || key !== step) {
      stop();
      step = key;
      const eta = e.step === 'source' ? '  ~{eta_formatted} left' : '';
      bar = new SingleBar({
        stream: process.stderr,
        format: `${e.step.padEnd(6)} [{bar}] {value}/{total} ${e.unit ?? 'rows'}  {duration_formatted}${eta}`,
        hideCursor: true,
        clearOnComplete: true,
        fps: 5,
      });
      bar.start(e.total, 0);
    }
    bar.setTotal(e.total);
    bar.update(e.rows);
  };
  return { onProgress, stop };
}
