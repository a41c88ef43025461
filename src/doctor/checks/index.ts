import type { Check } from '../types.js';
import { binaryLog } from './binary-log.js';
import { binlogFormat } from './binlog-format.js';
import { privileges } from './privileges.js';
import { retention } from './retention.js';
import { rowImage } from './row-image.js';
import { rowMetadata } from './row-metadata.js';
import { tables } from './tables.js';

/** Every check, in the order they run (later ones read what earlier ones found). One file each. */
export const CHECKS: readonly Check[] = [
  binaryLog,
  binlogFormat,
  rowImage,
  rowMetadata,
  privileges,
  retention,
  tables,
];
