import { RowbackError } from '../index.js';
import { askLine } from './terminal.js';

/**
 * Asks on the controlling terminal, whatever stdin and stderr are. Ctrl-C or Ctrl-D is a no. Without a
 * terminal there is nobody to ask, so rowback refuses instead of writing to a production table unattended;
 * `--yes` is the explicit answer for scripts.
 */
export async function askYes(question: string): Promise<boolean> {
  const asked = `${question} [y/N] `;
  const answer = await askLine(asked);
  if (!answer) {
    throw new RowbackError('usage', 'Confirmation needed, but there is no terminal to ask on.', {
      hint: 'Review the plan with `rowback diff` or `--dry-run`, then pass --yes to apply without a prompt.',
    });
  }
  const yes = 'line' in answer && /^y(es)?$/i.test(answer.line.trim());
  // When stderr is a log (`2>&1 | tee`), keep the question and its answer in it.
  if (!process.stderr.isTTY) {
    const said = 'line' in answer ? answer.line.trim() : 'interrupted' in answer ? '^C' : '^D';
    process.stderr.write(`${asked.trimStart()}${said}\n`);
  }
  return yes;
}
