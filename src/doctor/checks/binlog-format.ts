import type { Check } from '../types.js';

/** Rows must be logged as rows: statements logged as SQL text carry no before images. */
export const binlogFormat: Check = {
  id: 'binlog-format',
  applies: (c) => c.engine === 'mysql' && c.variables.get('log_bin') === 'ON',
  async run(c) {
    const format = c.variables.get('binlog_format') ?? '?';
    if (format === 'ROW') return { id: this.id, status: 'ok', summary: 'binlog_format is ROW' };
    return {
      id: this.id,
      status: 'fail',
      summary: `binlog_format is ${format}: changes logged as statements cannot be rewound`,
      fix: "SET GLOBAL binlog_format = 'ROW' and binlog_format = ROW in the server's configuration",
    };
  },
};
