import type { Connection } from '../engines/engine.js';
import { engineForUrl } from '../engines/index.js';
import { RowbackError } from './errors.js';
import { redactUrl, registerUrlSecrets } from './redact.js';

/** The two sessions of a diff or restore: the target first, so its settings can be pinned on the source. */
export interface Sessions {
  target: Connection;
  source: Connection;
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
    const engine = await engineForUrl(from);
    if (engine.name !== target.engine.name) {
      throw new RowbackError(
        'unsupported',
        `The source ${redactUrl(from)} is ${engine.name} and the target ${target.redactedUrl} is ${target.engine.name}.`,
        { hint: 'rowback restores between servers of the same engine; dump the source to a file first for cross-engine moves.' },
      );
    }
    const source = await engine.connect(from, { profile: await target.profile(), applicationName: 'rowback (source)' });
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
export function cancelOnAbort(signal: AbortSignal | undefined, connections: Connection[]): () => void {
  if (!signal) return () => {};
  const onAbort = () => {
    for (const c of connections) void c.cancel().catch(() => {});
  };
  if (signal.aborted) onAbort();
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new RowbackError('interrupted', 'Interrupted; nothing was written (any open transaction was rolled back).');
  }
}
