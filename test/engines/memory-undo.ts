import {
  type DigestForm,
  isDigest,
  type PostImage,
  type UndoBundle,
  type UndoSink,
} from '../../src/core/images.js';
import { countRows } from '../../src/core/rows.js';
import type { RowStream } from '../../src/engines/engine.js';

/** Every chunk of a row stream, joined. */
export async function collect(stream: RowStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

export async function* streamOf(...chunks: (Buffer | string)[]): RowStream {
  for (const chunk of chunks) yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
}

/** An UndoSink that keeps the images in memory and hands them back as an UndoBundle (any engine). */
export function memoryUndo(): UndoSink & { bundle(): UndoBundle; before: Buffer; after: Buffer } {
  const state = {
    before: Buffer.alloc(0) as Buffer,
    after: Buffer.alloc(0) as Buffer,
    columns: [] as string[],
    origin: false,
    form: undefined as DigestForm | undefined,
    async writeBefore(columns: string[], origin: boolean, rows: RowStream): Promise<number> {
      state.columns = columns;
      state.origin = origin;
      state.before = await collect(rows);
      return countRows(state.before);
    },
    async writeAfter(form: PostImage, rows: RowStream): Promise<number> {
      if (isDigest(form)) state.form = form;
      else {
        state.columns = form.columns;
        state.origin = form.origin;
      }
      state.after = await collect(rows);
      return countRows(state.after);
    },
    bundle(): UndoBundle {
      return {
        columns: state.columns,
        origin: state.origin,
        before: () => streamOf(state.before),
        after: () => streamOf(state.after),
        ...(state.form ? { digest: state.form } : {}),
      };
    },
  };
  return state;
}
