import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Identity, RowStream } from '../engines/engine.js';
import { RowbackError } from './errors.js';
import { isDigest, type PostImage, type UndoBundle, type UndoSink } from './images.js';
import type { AppliedCounts } from './plan.js';
import type { Prepared } from './prepare.js';
import { countingRows } from './rows.js';
import { LEGACY_STATE_DIR, openPrivate, PRIVATE_DIR, tighten } from './state-dir.js';
import type { TableRef } from './table.js';

/**
 * An undo file is a directory `<state-dir>/undo/<restore-id>/` holding the pre-image of every row a restore
 * updated or deleted (`before.rows`: whole rows), the post-image of every row it inserted or updated
 * (`after.rows`: each row's key and digest, see DigestForm, or whole rows as the direct path keeps them),
 * both in the text row format, and `meta.json`. The images are fsynced before the restore commits.
 * Version 1 files, written before digests, hold whole rows in `after.rows` too; undo still reads them.
 */
export interface UndoMeta {
  version: 1 | 2;
  id: string;
  engine: string;
  table: Required<TableRef>;
  target: string;
  key: string[];
  beforeColumns: string[];
  /** With `digest`, the key columns the post-image's rows start with; else the post-image's columns. */
  afterColumns: string[];
  /** The engine's digest of the post-image's rows (`Engine.digest`); absent when it holds whole rows. */
  digest?: string;
  origin: boolean;
  createdAt: string;
  /**
   * The server, database and table the restore wrote to; undo refuses to run anywhere else. Absent in
   * files written before rowback recorded it (undo then checks the target URL instead).
   */
  identity?: Identity;
  /** `pending` until the restore's COMMIT returned; `undone` once reverted. */
  status: 'pending' | 'committed' | 'undone' | 'rolled-back';
  applied?: AppliedCounts;
  rows: { before: number; after: number };
}

export function undoDir(stateDir: string, id: string): string {
  return join(stateDir, 'undo', id);
}

/** A sink for one restore's images. `finish` records the outcome once the transaction ended. */
export class UndoFileWriter implements UndoSink {
  readonly dir: string;
  private meta: UndoMeta;

  constructor(
    stateDir: string,
    meta: Omit<UndoMeta, 'version' | 'status' | 'rows' | 'beforeColumns' | 'afterColumns' | 'digest'>,
  ) {
    this.dir = undoDir(stateDir, meta.id);
    this.meta = {
      version: 2,
      ...meta,
      beforeColumns: [],
      afterColumns: [],
      status: 'pending',
      rows: { before: 0, after: 0 },
    };
  }

  /**
   * Nothing here is synced: until an image is written nothing can commit, and every image, with the meta
   * that describes it, is synced before the restore commits (three syncs saved on every restore).
   */
  async open(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: PRIVATE_DIR });
    await this.writeFile('before.rows', Readable.from([]), false);
    await this.writeFile('after.rows', Readable.from([]), false);
    await writeMeta(this.dir, this.meta, false);
  }

  async writeBefore(columns: string[], origin: boolean, rows: RowStream): Promise<number> {
    this.meta.beforeColumns = columns;
    this.meta.origin = origin;
    this.meta.rows.before = await this.writeFile('before.rows', rows);
    await this.saveMeta();
    return this.meta.rows.before;
  }

  async writeAfter(form: PostImage, rows: RowStream, counted?: () => number): Promise<number> {
    if (isDigest(form)) {
      this.meta.afterColumns = form.key;
      this.meta.digest = form.digest;
    } else {
      this.meta.afterColumns = form.columns;
      this.meta.origin = form.origin;
    }
    this.meta.rows.after = await this.writeFile('after.rows', rows, true, counted);
    await this.saveMeta();
    return this.meta.rows.after;
  }

  /**
   * The post-image of whole rows from a file already in the undo file's folder (the ordered merge's spill
   * of the rows it inserted, `rows` of them), with `more` appended: the file becomes the post-image instead
   * of being copied into one. Renamed first, then synced, so the sync also makes the new name durable.
   */
  async adoptAfter(columns: string[], file: string, rows: number, more: RowStream): Promise<number> {
    if (resolve(file, '..') !== resolve(this.dir)) {
      throw new RowbackError('internal', `${file} is not in the undo file's folder ${this.dir}`);
    }
    const path = join(this.dir, 'after.rows');
    await rename(file, path);
    let appended = 0;
    const out = (await openPrivate(path, 'a')).createWriteStream();
    await pipeline(Readable.from(countingRows(more, (n) => (appended = n))), out);
    await syncFile(path);
    this.meta.afterColumns = columns;
    this.meta.origin = false;
    this.meta.rows.after = rows + appended;
    await this.saveMeta();
    return this.meta.rows.after;
  }

  /**
   * `identity`, read again after COMMIT, replaces the one read before the apply: moving counters may
   * change it (MariaDB's CREATE_TIME changes with `ALTER TABLE … AUTO_INCREMENT`).
   */
  async finish(status: UndoMeta['status'], applied?: AppliedCounts, identity?: Identity): Promise<void> {
    if (status === 'rolled-back') {
      await rm(this.dir, { recursive: true, force: true });
      return;
    }
    this.meta.status = status;
    if (applied) this.meta.applied = applied;
    // As recorded before: server, database and table, never the running instance.
    if (identity && this.meta.identity) {
      this.meta.identity = recordable(identity);
    }
    await this.saveMeta();
  }

  /** `counted`: the rows, once the stream has ended, from a caller that counts them anyway. */
  private async writeFile(
    name: string,
    rows: RowStream,
    sync = true,
    counted?: () => number,
  ): Promise<number> {
    let count = 0;
    const path = join(this.dir, name);
    // The stream closes the file when done; it is opened again to sync.
    const out = (await openPrivate(path, 'w')).createWriteStream();
    await pipeline(counted ? rows : Readable.from(countingRows(rows, (n) => (count = n))), out);
    if (sync) await syncFile(path);
    return counted ? counted() : count;
  }

  private saveMeta(): Promise<void> {
    return writeMeta(this.dir, this.meta);
  }
}

/** The images must be on disk before the restore commits. */
async function syncFile(path: string): Promise<void> {
  const file = await open(path, 'r');
  try {
    await file.sync();
  } finally {
    await file.close();
  }
}

/** Writes meta.json (0600) and syncs it (unless told not to). */
async function writeMeta(dir: string, meta: UndoMeta, sync = true): Promise<void> {
  const file = await openPrivate(join(dir, 'meta.json'), 'w');
  try {
    await file.writeFile(`${JSON.stringify(meta, null, 2)}\n`, 'utf8');
    if (sync) await file.sync();
  } finally {
    await file.close();
  }
}

/** A sink that keeps nothing, for dry runs. */
export const discardingUndo: UndoSink = {
  async writeBefore(_c, _o, rows) {
    let n = 0;
    for await (const chunk of countingRows(rows, (t) => (n = t))) void chunk;
    return n;
  },
  async writeAfter(_form, rows, counted) {
    if (counted) {
      for await (const chunk of rows) void chunk;
      return counted();
    }
    let n = 0;
    for await (const chunk of countingRows(rows, (t) => (n = t))) void chunk;
    return n;
  },
};

/** An undo file found on disk: where it is and what its meta.json says. */
export interface FoundUndo {
  /** The undo file's directory (absolute). */
  dir: string;
  meta: UndoMeta;
  /** Said when it was found outside the state directory (the old `./.rowback`). */
  warnings: string[];
}

/**
 * Finds restore `id`'s undo file in `stateDir`, else in `./.rowback`, where rowback 0.1 kept it (relative
 * to where it ran), saying so. Throws RowbackError('not-found') naming both places.
 */
export async function findUndoFile(stateDir: string, id: string): Promise<FoundUndo> {
  const places = [stateDir, resolve(LEGACY_STATE_DIR)];
  for (const place of places) {
    const dir = undoDir(place, id);
    const text = await readFile(join(dir, 'meta.json'), 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    const meta = await parseUndoMeta(text, join(dir, 'meta.json'));
    if (place === stateDir) return { dir, meta, warnings: [] };
    // Written world-readable by rowback 0.1: make it private now that it is found.
    const tightened = [...(await tighten(place, PRIVATE_DIR)), ...(await tighten(dir, PRIVATE_DIR))];
    return {
      dir,
      meta,
      warnings: [
        `Found the undo file of ${id} in ${place}, where earlier versions of rowback kept state; new undo files and the audit log go to ${stateDir}.`,
        ...tightened,
      ],
    };
  }
  throw new RowbackError('not-found', `No undo file for restore ${id} in ${places.join(' or ')}.`, {
    hint: 'Check the restore id (printed by `rowback restore`, also in audit.jsonl), and pass --state-dir if the restore used one.',
  });
}

async function parseUndoMeta(text: string, path: string): Promise<UndoMeta> {
  // Loaded here, not at start-up: only undo reads a meta.json, and the schema library is slow to load.
  const { undoMetaSchema } = await import('./undo-meta-schema.js');
  let parsed: ReturnType<typeof undoMetaSchema.safeParse>;
  try {
    parsed = undoMetaSchema.safeParse(JSON.parse(text));
  } catch (error) {
    throw new RowbackError('usage', `The undo file ${path} is not valid JSON.`, { cause: error });
  }
  if (!parsed.success) {
    throw new RowbackError(
      'usage',
      `The undo file ${path} is damaged: ${parsed.error.issues[0]?.message ?? 'bad shape'}.`,
    );
  }
  return parsed.data as UndoMeta;
}

export function undoBundle(dir: string, meta: UndoMeta): UndoBundle {
  const files = {
    before: () => createReadStream(join(dir, 'before.rows')),
    after: () => createReadStream(join(dir, 'after.rows')),
  };
  if (meta.digest === undefined) {
    // Whole rows on both sides, in the same columns.
    const columns = meta.beforeColumns.length ? meta.beforeColumns : meta.afterColumns;
    return { columns, origin: meta.origin, ...files };
  }
  const digest = { key: meta.afterColumns, digest: meta.digest };
  // No pre-image columns when the restore only inserted: nothing is put back, only keys deleted.
  return { columns: meta.beforeColumns, origin: meta.origin, ...files, digest };
}

export async function markUndone(dir: string, meta: UndoMeta): Promise<void> {
  await writeMeta(dir, { ...meta, status: 'undone' });
}

/** Opens the undo file of restore `id` on a prepared target, before its apply starts. */
export async function openUndoFile(stateDir: string, p: Prepared, id: string): Promise<UndoFileWriter> {
  const target = p.sessions.target;
  const found = await target.identity(p.target);
  // The server, database and table: the running instance changes with a restart, the undo stays valid.
  const identity = found && recordable(found);
  const writer = new UndoFileWriter(stateDir, {
    ...(identity ? { identity } : {}),
    id,
    engine: p.sessions.target.engine.name,
    table: p.target.ref,
    target: p.targetLabel,
    key: p.key,
    origin: p.origin,
    createdAt: new Date().toISOString(),
  });
  await writer.open();
  return writer;
}

/** What an undo file keeps of an identity: never the running instance (a restart changes it). */
function recordable(found: Identity): Identity {
  const { server, database, table, tableId } = found;
  return { server, database, table, ...(tableId === undefined ? {} : { tableId }) };
}
