import { createInterface } from 'node:readline/promises';
import { RowbackError } from '../index.js';

/**
 * Asks on the terminal. Without a terminal there is nobody to ask, so rowback refuses instead of
 * writing to a production table unattended; `--yes` is the explicit answer for scripts.
 */
export async function askYes(question: string): Promise<boolean> {
  if (!process.stdin.isTTY || !process.stderr.isTTY) {
    throw new RowbackError('usage', 'Confirmation needed, but there is no terminal to ask on.', {
      hint: 'Review the plan with `rowback diff` or `--dry-run`, then pass --yes to apply without a prompt.',
    });
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
