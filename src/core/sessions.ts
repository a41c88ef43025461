import type { Capabilities, Connection, ConnectOptions } from '../engines/engine.js';
import { assumedZoneWarning, parseAsOf } from './as-of.js';
import { RowbackError } from './errors.js';
import type { CommonOptions } from './options.js';
import { redactUrl } from './redact.js';
import type { Source, SourceContext } from './source.js';
import { resolveStateDir } from './state-dir.js';

/** Something opened for a run: closed at its end only when the run opened it. */
export interface Opened<T> {
  value: T;
  close(): Promise<void>;
}

/**
 * How the core reaches databases without knowing which engines and sources exist: `src/open.ts` supplies
 * it (the only place that knows the registries), and tests may supply their own.
 */
export interface Opener {
  /** The engine a target names and what it can do, without connecting (to refuse flags early). */
  engine(to: string | Connection): Promise<{ name: string; capabilities: Capabilities }>;
  /** Opens the target named by a URL or file; an open one is used as it is and left open. */
  target(to: string | Connection, options?: TargetOptions): Promise<Opened<Connection>>;
  /** Opens the source, pinned like `target`; an open one is used as it is and left open. */
  source(from: string | Source, target: Connection, context?: SourceContext): Promise<Opened<Source>>;
}

/** How a run connects to its target, beyond the URL. */
export type TargetOptions = Pick<ConnectOptions, 'askPassword' | 'lockTimeoutMs'>;

/** The connect options a run's options ask for. */
export function targetOptions(options: Pick<CommonOptions, 'askPassword' | 'lockTimeoutMs'>): TargetOptions {
  return {
    ...(options.askPassword ? { askPassword: options.askPassword } : {}),
    ...(options.lockTimeoutMs === undefined ? {} : { lockTimeoutMs: options.lockTimeoutMs }),
  };
}

/** The two sides of a diff or restore: the target first, so its settings can be pinned on the source. */
export interface Sessions {
  target: Connection;
  source: Source;
  close(): Promise<void>;
}

export async function openSessions(
  opener: Opener,
  from: string | Source,
  to: string | Connection,
  context: SourceContext = {},
  connect: TargetOptions = {},
): Promise<Sessions> {
  const target = await opener.target(to, connect);
  try {
    const source = await opener.source(from, target.value, context);
    return {
      target: target.value,
      source: source.value,
      async close() {
        await Promise.allSettled([source.close(), target.close()]);
      },
    };
  } catch (error) {
    await target.close();
    throw error;
  }
}

/**
 * What the source needs to know of this run: the moment (parsed once; a zone that was assumed is said),
 * its own flags, the target URL, where run state goes, and where to report progress and notices.
 */
export function sourceContext(options: CommonOptions): SourceContext {
  const asOf = options.asOf === undefined ? undefined : parseAsOf(options.asOf);
  const assumed = asOf && assumedZoneWarning(asOf, options.asOf ?? '');
  if (assumed) options.onNotice?.(assumed);
  return {
    table: options.table,
    stateDir: resolveStateDir(options.stateDir),
    ...(asOf ? { asOf } : {}),
    ...(typeof options.to === 'string' ? { targetUrl: options.to } : {}),
    ...(options.sourceFlags || options.backout !== undefined
      ? {
          flags: {
            ...options.sourceFlags,
            ...(options.backout === undefined ? {} : { backout: options.backout }),
          },
        }
      : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.onNotice ? { onNotice: options.onNotice } : {}),
    ...(options.onCleanup ? { onCleanup: options.onCleanup } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.askPassword ? { askPassword: options.askPassword } : {}),
  };
}

/** What to call a source or target in messages and the audit record: never a secret. */
export function labelOf(side: string | { label: string } | { redactedUrl: string }): string {
  if (typeof side === 'string') return redactUrl(side);
  return 'label' in side ? side.label : side.redactedUrl;
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
