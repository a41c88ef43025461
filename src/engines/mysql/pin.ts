import type { Session } from './connect.js';
import { quoteString } from './sql.js';

/**
 * Pins a new session: UTC, utf8mb4 both ways (binary columns stay raw), the given sql_mode, and the limits
 * that keep rowback's writes exact and its waits bounded. Every session rowback opens, source or target,
 * goes through here with the target's sql_mode.
 */
export async function pinSession(session: Session, sqlMode: string): Promise<void> {
  // character_set_results utf8mb4 converts text columns to UTF-8 and leaves binary columns as raw bytes.
  await session.exec('SET NAMES utf8mb4 COLLATE utf8mb4_bin');
  await session.exec("SET time_zone = '+00:00'");
  await pinSqlMode(session, sqlMode);
  // LOAD DATA LOCAL waits on the client's stream, which may wait on a slow source or undo file in turn.
  await session.exec('SET SESSION net_read_timeout = 600');
  // OFF (MySQL 5.7's default) makes a NULL loaded into a NOT NULL TIMESTAMP the current time, silently.
  await session.exec('SET SESSION explicit_defaults_for_timestamp = ON').catch(() => {});
  // A table lock (LOCK TABLES, a long ALTER) would hold rowback for lock_wait_timeout, a day by default:
  // wait for it no longer than for a row lock, then fail as busy.
  await session
    .exec(
      'SET SESSION lock_wait_timeout = LEAST(@@SESSION.lock_wait_timeout, @@SESSION.innodb_lock_wait_timeout)',
    )
    .catch(() => {});
  // MySQL 8 caches information_schema statistics (AUTO_INCREMENT among them) for a day by default.
  await session.exec('SET SESSION information_schema_stats_expiry = 0').catch(() => {});
}

/**
 * Sets sql_mode. NO_BACKSLASH_ESCAPES only changes how rowback's own literals parse (never a value's text),
 * so it is left out. NO_AUTO_VALUE_ON_ZERO is added: without it a restored key 0 in an AUTO_INCREMENT
 * column would be written as the next counter value instead. A mode this server does not know (MariaDB's
 * NO_AUTO_CREATE_USER on MySQL 8, say) is dropped rather than failing the session: an unknown mode cannot
 * change how this server writes values.
 */
async function pinSqlMode(session: Session, sqlMode: string): Promise<void> {
  const modes = sqlMode.split(',').filter((m) => m && m.toUpperCase() !== 'NO_BACKSLASH_ESCAPES');
  if (!modes.some((m) => m.toUpperCase() === 'NO_AUTO_VALUE_ON_ZERO')) modes.push('NO_AUTO_VALUE_ON_ZERO');
  try {
    await session.exec(`SET SESSION sql_mode = ${quoteString(modes.join(','))}`);
    return;
  } catch {
    // some mode is unknown here: keep the ones this server accepts
  }
  const known: string[] = [];
  for (const mode of modes) {
    try {
      await session.exec(`SET SESSION sql_mode = ${quoteString([...known, mode].join(','))}`);
      known.push(mode);
    } catch {
      // not a mode of this server
    }
  }
  await session.exec(`SET SESSION sql_mode = ${quoteString(known.join(','))}`);
}
