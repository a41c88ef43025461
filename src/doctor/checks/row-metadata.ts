import type { Check } from '../types.js';

/** FULL metadata names each event's columns, so history across an ALTER can be read. */
export const rowMetadata: Check = {
  id: 'row-metadata',
  applies: (c) => c.engine === 'mysql' && c.variables.get('log_bin') === 'ON',
  async run(c) {
    const metadata = c.variables.get('binlog_row_metadata');
    if (metadata === 'FULL') return { id: this.id, status: 'ok', summary: 'binlog_row_metadata is FULL' };
    return {
      id: this.id,
      status: 'warn',
      summary:
        metadata === undefined
          ? 'this server does not log column metadata: a table altered since the moment cannot be rewound'
          : `binlog_row_metadata is ${metadata}: a table altered since the moment cannot be rewound`,
      ...(metadata === undefined
        ? {}
        : {
            fix: "SET GLOBAL binlog_row_metadata = 'FULL' and binlog_row_metadata = FULL in the server's configuration",
          }),
    };
  },
};
