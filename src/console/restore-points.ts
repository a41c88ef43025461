import { hostname } from 'node:os';
import { defaultOperator } from '../core/audit.js';
import { recordMark } from '../core/marks.js';
import { Notifier, notifyUrls } from '../core/notify.js';
import { resolveStateDir } from '../core/state-dir.js';
import type { Connection } from '../engines/engine.js';
import type { Dialect } from './guard.js';
import { commandWords } from './messages.js';
import { readPosition } from './position.js';

/**
 * The console's restore points: where the server stands, written to the audit log just before a write
 * runs, said on the console, and posted to the `--notify` webhooks.
 */
export class RestorePoints {
  private readonly stateDir: string;
  private readonly notifier: Notifier;

  constructor(
    stateDir: string | undefined,
    notify: string[] | undefined,
    private readonly say: (text: string) => void,
  ) {
    this.stateDir = resolveStateDir(stateDir);
    const common = { tool: 'rowback', command: 'sql', operator: defaultOperator(), host: hostname() };
    this.notifier = new Notifier(notifyUrls(notify), common, say);
  }

  async take(connection: Connection, dialect: Dialect, statement: string, tables: string[]): Promise<void> {
    const position = await readPosition(connection, dialect);
    const mark = await recordMark(this.stateDir, {
      target: connection.redactedUrl,
      tables,
      statement,
      position,
    });
    this.say(`Restore point ${mark.id} recorded (rowback marks).`);
    // The statement itself stays in the private audit log: it may hold values a channel should not see.
    const what = `${commandWords(statement)} on ${tables.join(', ') || mark.target}`;
    this.notifier.post({
      event: 'mark',
      text: `rowback sql: restore point ${mark.id} before ${what} (${mark.target}, by ${mark.operator})`,
      fields: { id: mark.id, target: mark.target, tables, position },
    });
  }

  /** Waits for the webhooks (a failed one is a warning, never an error). */
  flush(): Promise<void> {
    return this.notifier.flush();
  }
}
