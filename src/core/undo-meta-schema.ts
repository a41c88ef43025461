import { z } from 'zod';

const counts = z.object({ inserted: z.number(), updated: z.number(), deleted: z.number() });

/** meta.json is a file on disk a person may have edited: check its shape before trusting it. */
export const undoMetaSchema = z.object({
  version: z.union([z.literal(1), z.literal(2)]),
  id: z.string(),
  engine: z.string(),
  table: z.object({ schema: z.string(), name: z.string() }),
  target: z.string(),
  key: z.array(z.string()).min(1),
  beforeColumns: z.array(z.string()),
  afterColumns: z.array(z.string()),
  digest: z.string().optional(),
  origin: z.boolean(),
  identity: z
    .object({ server: z.string(), database: z.string(), table: z.string(), tableId: z.string().optional() })
    .optional(),
  createdAt: z.string(),
  status: z.enum(['pending', 'committed', 'undone', 'rolled-back']),
  applied: counts.optional(),
  rows: z.object({ before: z.number(), after: z.number() }),
});
