import type { Check } from '../types.js';

/** Binary logging must be on: without it there is nothing to rewind from. */
export const binaryLog: Check = {
  id: 'binary-log',
  applies: (c) => c.engine === 'mysql',
  async run(c) {
    if (c.variables.get('log_bin') === 'ON')
      return { id: this.id, status: 'ok', summary: 'binary logging is on' };
    return {
      id: this.id,
      status: 'fail',
      summary: 'binary logging is off: no table can be rewound from the binlog',
      fix: 'start the server with log_bin (e.g. log_bin = binlog in its configuration, and a server_id); on RDS turn on automated backups',
    };
  },
};
