import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { decompress, type Kind, lz4Refused, sniff } from './decompress.js';

const MIB = 1 << 20;

/** Reads a file (from `start`, up to `end` exclusive) in 1 MiB chunks, counting the bytes read for progress. */
export async function* readFileChunks(
  path: string,
  start = 0,
  onBytes?: (bytes: number) => void,
  end?: number,
): AsyncIterable<Buffer> {
  if (end !== undefined && end <= start) return;
  const stream = createReadStream(path, {
    start,
    highWaterMark: MIB,
    ...(end === undefined ? {} : { end: end - 1 }),
  });
  let read = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      read += chunk.length;
      onBytes?.(read);
      yield chunk;
    }
  } finally {
    stream.destroy();
  }
}

/** The first bytes of a file (fewer when it is shorter). */
export async function firstBytes(path: string, n = 4096): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(n);
    const { bytesRead } = await handle.read(buffer, 0, n, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Reads `length` bytes at `position`. */
export async function readAt(path: string, position: number, length: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, position);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** A file's content, with a gzip or zstd wrapper around the whole file taken off. */
export interface Content {
  /** The compression around the whole file, if any. */
  wrapper: 'gzip' | 'zstd' | undefined;
  /** What the (decompressed) content is. */
  kind: Kind;
  /** The file, for messages. */
  label: string;
  /** Its first bytes (decompressed). */
  head: Buffer;
  /** The content from its start; `onBytes` gets the file bytes read so far. */
  chunks(onBytes?: (bytes: number) => void): AsyncIterable<Buffer>;
}

/** Looks at a file's first bytes, and through a gzip or zstd wrapper at what it wraps. */
export async function openContent(path: string, label: string): Promise<Content> {
  const first = await firstBytes(path);
  const kind = sniff(first);
  // An LZ4 frame keeps short texts as they are: read as text, the dump's own first lines would show through.
  if (kind === 'lz4') throw lz4Refused(label);
  if (kind !== 'gzip' && kind !== 'zstd') {
    return {
      wrapper: undefined,
      kind,
      label,
      head: first,
      chunks: (onBytes) => readFileChunks(path, 0, onBytes),
    };
  }
  const chunks = (onBytes?: (bytes: number) => void) =>
    decompress(readFileChunks(path, 0, onBytes), kind, label);
  const head = await headOf(chunks(), 4096);
  return { wrapper: kind, kind: sniff(head), label, head, chunks };
}

async function headOf(stream: AsyncIterable<Buffer>, n: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let length = 0;
  for await (const chunk of stream) {
    parts.push(chunk);
    length += chunk.length;
    if (length >= n) break;
  }
  return Buffer.concat(parts).subarray(0, n);
}
