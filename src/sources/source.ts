/** The contract a source implements lives in the core, which drives it; see `live.ts` as an example. */
export type { OpenSourceOptions, Source } from '../core/source.js';
