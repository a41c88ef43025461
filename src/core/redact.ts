import { misreadUrl, urlScheme } from './url.js';

/**
 * Connection strings and passwords must never reach a message, a log, an audit record or a notification.
 * `redactUrl` keeps what helps a human (scheme, user, host, port, database) and drops the password and
 * query parameters (which may hold sslkey paths or tokens).
 */
export function redactUrl(url: string): string {
  if (misreadUrl(url) !== undefined) return `${urlScheme(url)}://… (a URL that cannot be read, not shown)`;
  try {
    const parsed = new URL(url);
    if (!parsed.protocol || !parsed.host) return url.includes('@') ? '<redacted>' : url;
    const user = parsed.username ? `${decodeURIComponent(parsed.username)}@` : '';
    return `${parsed.protocol}//${user}${parsed.host}${parsed.pathname}`;
  } catch {
    return url.includes('@') || url.includes('password') ? '<redacted>' : url;
  }
}

const registered = new Set<string>();

/** Remembers a secret so that `redactSecrets` removes it from any text built later. */
export function registerSecret(secret: string | undefined): void {
  if (secret && secret.length >= 1) registered.add(secret);
}

/** Registers the password of a connection URL, if it has one. */
export function registerUrlSecrets(url: string): void {
  try {
    const parsed = new URL(url);
    if (parsed.password) {
      registerSecret(parsed.password);
      registerSecret(decodeURIComponent(parsed.password));
    }
  } catch {
    // not a URL: nothing to register
  }
}

// The password runs to the last '@' of the word: it may hold '@', and an unencoded '/' or '#' too.
const URL_WITH_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/)([^\s:/@]*):(\S*)@/gi;
const PASSWORD_PARAM = /(password=)[^\s&;]*/gi;

/** Removes passwords from free text: URL credentials, password= parameters and registered secrets. */
export function redactSecrets(text: string): string {
  let out = text.replace(URL_WITH_PASSWORD, '$1$2:***@').replace(PASSWORD_PARAM, '$1***');
  for (const secret of registered) {
    if (secret.length < 3) continue; // too short to replace without mangling unrelated text
    out = out.split(secret).join('***');
  }
  return out;
}
