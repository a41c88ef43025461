import { SingleBar } from 'cli-progress';
import type { ProgressEvent } from '../core/options.js';

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
    if (e.rows === undefined) {
      stop();
      if (e.message && e.step !== step) process.stderr.write(`… ${e.message}\n`);
      step = e.step;
      return;
    }
    if (!bar || e.step !== step) {
      stop();
      step = e.step;
      bar = new SingleBar({
        stream: process.stderr,
        format: `${e.step.padEnd(6)} [{bar}] {value}${e.total === undefined ? '' : '/{total}'} rows  {duration_formatted}`,
        hideCursor: true,
        clearOnComplete: true,
        fps: 5,
      });
      bar.start(e.total ?? 0, 0);
    }
    if (e.total !== undefined) bar.setTotal(e.total);
    bar.update(e.rows);
  };
  return { onProgress, stop };
}
