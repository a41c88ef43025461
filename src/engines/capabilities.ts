/**
 * What an engine can do beyond the common contract. The core and the CLI read these before opening any
 * connection and refuse a flag the engine cannot honour. Start from `DEFAULT_CAPABILITIES` and override
 * what your engine offers, saying why in a comment (as kysely's dialect adapters do).
 */
export interface Capabilities {
  /**
   * `begin({ disableTriggers })` keeps user triggers (and rules) from firing for that transaction
   * (`--disable-triggers`). PostgreSQL: `session_replication_role = replica`. Default false.
   */
  disableTriggers: boolean;
  /**
   * `begin({ skipForeignKeyChecks })` turns foreign key checks off for that transaction
   * (`--skip-foreign-key-checks`). MySQL: `FOREIGN_KEY_CHECKS = 0`. Default false.
   */
  skipForeignKeyChecks: boolean;
  /**
   * Counters can only be moved after COMMIT (MySQL: `ALTER TABLE … AUTO_INCREMENT` commits the
   * transaction). Default false: `moveCounters` runs inside the transaction, before verification.
   */
  countersAfterCommit: boolean;
  /**
   * Inserting explicit key values moves the table's counter, and ROLLBACK does not move it back (InnoDB
   * AUTO_INCREMENT). A dry run then puts counters back with `resetCounters`. Default false.
   */
  insertsMoveCounters: boolean;
  /**
   * A table's rows may live in inheritance children: `read({ origin })` appends each row's physical table
   * and `insertMissing` routes rows back to it (PostgreSQL `INHERITS`). Default false.
   */
  inheritance: boolean;
  /**
   * `cancel()` stops the statement running now (Ctrl-C rolls back at once). Default false: the running
   * statement finishes, then the transaction rolls back.
   */
  cancel: boolean;
  /**
   * Sample values are SQL literals that say their type (SQLite: `'text'`, `x'…'` blobs, bare numbers), so
   * reports show them as they are rather than quoting them again as text. Default false.
   */
  literalValues: boolean;
  /**
   * `unchanged(plan)` usually proves, cheaply, that a plan built before the lock still holds (PostgreSQL:
   * row versions; SQLite: the data version). With nobody to confirm, core then previews before the lock
   * and keeps the lock short. Default false: core takes the lock first and classifies once under it, as
   * a plan built before the lock would be classified again anyway.
   */
  provesUnchanged: boolean;
  /**
   * `classify` honours `ClassifyOptions.unchangedSince` (rows must still be as read when the plan was
   * made), which `--backout` needs. Default false.
   */
  unchangedSince: boolean;
  /**
   * The staged path's post-image keeps each written row as its key and digest (`Connection.digests`)
   * rather than the whole row, because here that is no slower and the undo file a third the size.
   * Default false: whole rows, where hashing every row costs more than carrying it (PostgreSQL's md5()
   * takes about three times as long as COPY of the whole row). Undo reads either.
   */
  digestPostImage: boolean;
  /**
   * With nobody to confirm, a restore may merge under the lock (src/core/restore-ordered.ts): inside
   * `begin`'s transaction, `read({ merge })` of the target streams its rows as they stand under the lock;
   * `copyIn` writes into a table that already holds rows and fails the statement on a row whose key the
   * table holds (it never skips one: the count it returns is every row sent); `stage`, `classify`,
   * `image`, `updateChanged` and `verify` run inside that transaction. Only used with a `mergeKey` that
   * says `exact`. Default false: the staged path.
   */
  orderedMerge: boolean;
}

/** The contract alone: an engine that offers none of the extras. */
export const DEFAULT_CAPABILITIES: Capabilities = {
  disableTriggers: false,
  skipForeignKeyChecks: false,
  countersAfterCommit: false,
  insertsMoveCounters: false,
  inheritance: false,
  cancel: false,
  literalValues: false,
  provesUnchanged: false,
  unchangedSince: false,
  digestPostImage: false,
  orderedMerge: false,
};
