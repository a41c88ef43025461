import type { Identity } from '../engines/engine.js';
import type { Prepared } from './prepare.js';
import { sameTableError } from './refusals.js';

/**
 * True when two identities name one table of one running server. Equal server, database and table parts
 * alone could be a copy (a standby, a server started from a snapshot of the files): where both sides
 * tell which running server they reached, that must match too.
 */
export function sameTable(a: Identity, b: Identity): boolean {
  const parts = a.server === b.server && a.database === b.database && a.table === b.table;
  return parts && (a.instance === undefined || b.instance === undefined || a.instance === b.instance);
}

/**
 * The identity of the target when the source is that very table, however the URLs spell it (a host alias,
 * postgres:// or postgresql://, another user or search_path); undefined otherwise. Each side says which
 * server, database and table it reached; a source that cannot say (a file) is never the target.
 */
export async function sameTableAs(p: Prepared): Promise<Identity | undefined> {
  const { sessions } = p;
  if (!sessions.source.identity) return undefined;
  const mine = await sessions.target.identity(p.target);
  const theirs = await sessions.source.identity(p.source);
  return sameTable(mine, theirs) ? mine : undefined;
}

/** A restore from the target itself is refused before a row is read. */
export async function refuseSameTable(p: Prepared): Promise<void> {
  const identity = await sameTableAs(p);
  if (identity) throw sameTableError(p.tableLabel, p.sourceLabel, p.targetLabel, identity);
}
