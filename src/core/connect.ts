import { engineForUrl } from '../engines/index.js';
import type { LegacyConnection as Connection } from '../engines/legacy.js';
import { openSource, type Source } from '../sources/index.js';
import { RowbackError } from './errors.js';
import { registerUrlSecrets } from './redact.js';

/** The two sides of a diff or restore: the target first, so its settings can be pinned on the source. */
export interface Sessions {
  target: Connection;
  source: Source;
  close(): Promise<void>;
}

export async function openTarget(url: string): Promise<Connection> {
  registerUrlSecrets(url);
  const engine = await engineForUrl(url);
  return engine.connect(url, { applicationName: 'rowback' });
}

export async function openSessions(from: string, to: string): Promise<Sessions> {
  registerUrlSecrets(from);
  const target = await openTarget(to);
  try {
    const source = await openSource(from, {
      profile: await target.profile(),
      targetEngine: target.engine.name,
    });
    return {
      target,
      source,
      async close() {
        await Promise.allSettled([source.close(), target.close()]);
      },
    };
  } catch (error) {
    await target.close();
    throw error;
  }
}

/** Turns an AbortSignal into cancelling the running statements, so an open transaction rolls back. */
export function cancelOnAbort(
  signal: AbortSignal | undefined,
  sides: { cancel(): Promise<void> }[],
): () => void {
  if (!signal) return () => {};
  const onAbort = () => {
    for (const side of sides) void side.cancel().catch(() => {});
  };
  if (signal.aborted) onAbort();
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new RowbackError(
      'interrupted',
      'Interrupted; the open transaction was rolled back, nothing was written.',
    );
  }
}
