import type { AskPassword } from '../engines/engine.js';

/** How the console talks to the person (or script) at it. */
export interface ConsoleIo {
  /** Results: tables and counts (stdout). */
  out(text: string): void;
  /** Everything else: refusals, errors, notes (stderr). */
  say(text: string): void;
  /** A yes/no question; undefined when nobody can be asked (a script). */
  ask(question: string): Promise<boolean | undefined>;
}

export interface ConsoleOptions {
  url: string;
  /** Asked when the server wants a password the URL, environment and password files do not hold. */
  askPassword?: AskPassword;
  io: ConsoleIo;
  /** Where restore points are written (audit.jsonl); default the per-user state dir. */
  stateDir?: string;
  /** Webhooks told of each restore point (`--notify`, also ROWBACK_NOTIFY). */
  notify?: string[];
  /** Answers yes to `commit?` and to running statements of unknown effect (for scripts); never to a refusal. */
  yes?: boolean;
}

/** How one input ended: its statements all ran, or it stopped at the first that did not. */
export type RunOutcome = 'ok' | 'failed' | 'refused' | 'declined' | 'unparseable';

/** Exit codes of `rowback sql` scripts (`-c`, `-f`, stdin): the first statement that did not run says it. */
export const SQL_SCRIPT_EXIT: Record<RunOutcome, number> = {
  ok: 0,
  failed: 1,
  unparseable: 2,
  refused: 10,
  declined: 10,
};
