import { listLogs, probeFile } from '../../sources/binlog/logs.js';
import type { Check } from '../types.js';

/**
 * The user must list the binary logs (REPLICATION CLIENT; MariaDB 10.5+: BINLOG MONITOR) and read them
 * as a replica (REPLICATION SLAVE). Both are tried for real, and the oldest file's start is kept: the
 * oldest moment the binlog covers.
 */
export const privileges: Check = {
  id: 'privileges',
  applies: (c) => c.engine === 'mysql' && c.variables.get('log_bin') === 'ON',
  async run(c) {
    const grant = c.mariadb ? 'REPLICATION SLAVE, BINLOG MONITOR' : 'REPLICATION SLAVE, REPLICATION CLIENT';
    const fix = `GRANT ${grant} ON *.* TO <the user>;`;
    // Loaded here: it pulls in the MySQL driver, which every other command would pay for at start-up.
    const { pickServerId, ReplicaConnection } = await import('../../sources/binlog/replica.js');
    const connection = await ReplicaConnection.open(c.url);
    let first: string;
    let serverId: number;
    try {
      const logs = await listLogs(connection);
      first = logs[0]?.name ?? '';
      serverId = await pickServerId(connection);
    } catch (error) {
      return {
        id: this.id,
        status: 'fail',
        summary: `the user cannot list the binary logs: ${message(error)}`,
        fix,
      };
    } finally {
      connection.close();
    }
    try {
      c.facts.oldestCovered = (await probeFile(c.url, first, serverId)).startedAt;
    } catch (error) {
      return {
        id: this.id,
        status: 'fail',
        summary: `the user cannot read the binlog as a replica: ${message(error)}`,
        fix,
      };
    }
    return { id: this.id, status: 'ok', summary: 'the user can list and read the binary logs' };
  },
};

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
