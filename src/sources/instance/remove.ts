import { readFile, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Resource, ResourceType } from './state.js';
import { stillRunning } from './state.js';

/** Removes one temporary thing; resolves once it is gone (gone already counts as removed). */
export type Remover<T extends Resource = Resource> = (resource: T, context: RemoveContext) => Promise<void>;

export interface RemoveContext {
  runId: string;
  /** A line for the user while a slow removal waits (a cloud instance being deleted). */
  note(text: string): void;
  signal?: AbortSignal;
}

/** The file a run's temp dir holds, naming the run, so cleanup never removes a dir it did not make. */
export const DIR_MARKER = 'rowback-run';

const removeProcess: Remover<Extract<Resource, { type: 'process' }>> = async (resource) => {
  if (!stillRunning(resource.pid, resource.start)) return;
  try {
    process.kill(resource.pid, resource.signal as NodeJS.Signals);
  } catch {
    return;
  }
  const deadline = Date.now() + 15_000;
  while (stillRunning(resource.pid, resource.start) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (stillRunning(resource.pid, resource.start)) {
    try {
      process.kill(resource.pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
};

const removeDir: Remover<Extract<Resource, { type: 'dir' }>> = async (resource, context) => {
  let marker: string;
  try {
    marker = (await readFile(join(resource.path, DIR_MARKER), 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      // Gone already, or never fully made: only an empty or missing dir may be removed without the marker.
      await rmdir(resource.path).catch(() => undefined);
      return;
    }
    throw error;
  }
  if (marker !== context.runId) {
    throw new Error(`${resource.path} belongs to ${marker}, not to ${context.runId}; left in place`);
  }
  await rm(resource.path, { recursive: true, force: true, maxRetries: 3 });
};

/** The remover for a type; cloud removers load on demand, so local runs never load the AWS SDK. */
export async function removerFor(type: ResourceType): Promise<Remover> {
  switch (type) {
    case 'process':
      return removeProcess as Remover;
    case 'dir':
      return removeDir as Remover;
    case 'rds-instance':
    case 'rds-cluster':
    case 'ingress':
      return (await import('../rds/remove.js')).removers[type] as Remover;
  }
}
