import { z } from 'zod';

/** The shape of a run's state file (see state.ts), checked before a file on disk is trusted. */
export const Resource = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('process'),
    label: z.string(),
    pid: z.number().int(),
    /** /proc start time, so a reused pid is never signalled. */
    start: z.string(),
    signal: z.string(),
  }),
  z.object({ type: z.literal('dir'), label: z.string(), path: z.string() }),
  z.object({
    type: z.literal('rds-instance'),
    label: z.string(),
    id: z.string(),
    region: z.string(),
  }),
  z.object({
    type: z.literal('rds-cluster'),
    label: z.string(),
    id: z.string(),
    region: z.string(),
  }),
  z.object({
    type: z.literal('ingress'),
    label: z.string(),
    groupId: z.string(),
    region: z.string(),
    cidr: z.string(),
    port: z.number().int(),
  }),
]);
export type Resource = z.infer<typeof Resource>;
export type ResourceType = Resource['type'];

export const RunState = z.object({
  version: z.literal(1),
  id: z.string(),
  pid: z.number().int(),
  pidStart: z.string(),
  host: z.string(),
  started: z.string(),
  what: z.string(),
  resources: z.array(Resource),
});
export type RunState = z.infer<typeof RunState>;
