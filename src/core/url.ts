import { RowbackError } from './errors.js';

/**
 * Connection URLs as people type them. A password holding `/`, `?`, `#` or `%` changes where a URL parser
 * thinks the host, port, database or fragment start, so pieces of the password would be read as a host
 * name, a port or a database name and then shown in messages. Such a URL is refused before it is used or
 * shown, with the way to write it. (An `@` in a password is unambiguous: the host follows the last one.)
 */

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

/** The URL's scheme (`postgres`), if it starts with one followed by `://`. */
export function urlScheme(url: string): string | undefined {
  return SCHEME.exec(url)?.[1]?.toLowerCase();
}

/**
 * Why `url` cannot be read as meant, in words that quote none of it; undefined when it reads cleanly
 * (or is not a `scheme://` URL at all).
 */
export function misreadUrl(url: string): string | undefined {
  const scheme = SCHEME.exec(url);
  if (!scheme) return undefined;
  if (url.includes('#')) return "it holds a '#', which would end the URL there";
  const rest = url.slice(scheme[0].length);
  const authorityEnd = rest.search(/[/?]/);
  const authority = authorityEnd < 0 ? rest : rest.slice(0, authorityEnd);
  const after = authorityEnd < 0 ? '' : rest.slice(authorityEnd);
  if (after.includes('@')) {
    return "an '@' comes after a '/' or '?', so the user name and password would be read as the host";
  }
  const at = authority.lastIndexOf('@');
  if (at >= 0 && /%(?![0-9a-f]{2})/i.test(authority.slice(0, at))) {
    return "a '%' in the user name or password is not followed by two hex digits";
  }
  try {
    new URL(url);
  } catch {
    return 'it is not a valid URL (is the port a number?)';
  }
  return undefined;
}

export const PERCENT_ENCODE_HINT =
  'Percent-encode these characters in the user name and password: / as %2F, ? as %3F, # as %23, % as %25, ' +
  '@ as %40, : as %3A (in JavaScript: encodeURIComponent). Or leave the password out of the URL: ' +
  'PGPASSWORD or ~/.pgpass for PostgreSQL, MYSQL_PWD or ~/.my.cnf for MySQL, or type it when asked.';

/** Throws RowbackError('usage') when `url` cannot be read as meant (see `misreadUrl`). */
export function checkUrl(url: string): void {
  const why = misreadUrl(url);
  if (why === undefined) return;
  throw new RowbackError(
    'usage',
    `The connection URL ${urlScheme(url)}://… cannot be read as written: ${why}. It is not shown, since it may hold a password.`,
    { hint: PERCENT_ENCODE_HINT },
  );
}
