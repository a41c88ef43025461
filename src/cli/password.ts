import { type PasswordRequest, RowbackError } from '../index.js';
import { askSecret } from './terminal.js';

/**
 * Asks for a password on the controlling terminal, without echo, as psql does. Undefined without a
 * terminal or on Ctrl-D (the caller then says none was supplied); Ctrl-C stops the run.
 */
export async function askPassword(request: PasswordRequest): Promise<string | undefined> {
  // One run may open several sessions to one place (source and target, a cancel): ask once for each.
  const key = `${request.user}@${request.target}`;
  const known = typed.get(key);
  if (known !== undefined) return known;
  const answer = await askSecret(`Password for ${request.user} on ${request.target}: `);
  if (!answer || 'ended' in answer) return undefined;
  if ('interrupted' in answer) {
    throw new RowbackError('interrupted', 'Interrupted at the password prompt; nothing was done.');
  }
  typed.set(key, answer.line);
  return answer.line;
}

const typed = new Map<string, string>();
