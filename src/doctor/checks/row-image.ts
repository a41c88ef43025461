import type { Check } from '../types.js';

/** Whole before images: MINIMAL and NOBLOB leave out the columns a restore needs. */
export const rowImage: Check = {
  id: 'row-image',
  applies: (c) => c.engine === 'mysql' && c.variables.get('log_bin') === 'ON',
  async run(c) {
    const image = c.variables.get('binlog_row_image') ?? '?';
    if (image === 'FULL') {
      return {
        id: this.id,
        status: 'ok',
        summary: 'binlog_row_image is FULL (a session can still lower it for its own changes)',
      };
    }
    return {
      id: this.id,
      status: 'fail',
      summary: `binlog_row_image is ${image}: deleted and updated rows are logged without all their columns`,
      fix: "SET GLOBAL binlog_row_image = 'FULL' and binlog_row_image = FULL in the server's configuration",
    };
  },
};
