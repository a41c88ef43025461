import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openSession } from '../../../src/engines/mysql/connect.js';
import { type Scratch, scratch } from '../../harness/index.js';

describe('LOAD DATA fed from a row stream', () => {
  let s: Scratch;
  beforeAll(async () => {
    s = await scratch('mysql');
    await s.target.exec('CREATE TABLE big (id int PRIMARY KEY, v varchar(200)) ENGINE=InnoDB');
  });
  afterAll(async () => {
    await s?.close();
  });

  test('waits for the socket to drain without piling listeners on it (no MaxListenersExceededWarning)', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
    process.on('warning', onWarning);
    const { session } = await openSession(s.targetUrl);
    try {
      const socket = (session.raw as unknown as { stream: Socket }).stream;
      const listeners = () => socket.listenerCount('close') + socket.listenerCount('drain');
      const before = listeners();
      const rows = 200_000;
      async function* lines(): AsyncIterable<Buffer> {
        for (let i = 1; i <= rows; i += 1000) {
          const chunk: string[] = [];
          for (let id = i; id < i + 1000; id++) chunk.push(`${id}\t${'x'.repeat(150)}\n`);
          yield Buffer.from(chunk.join(''));
        }
      }
      await session.loadData("LOAD DATA LOCAL INFILE 'stream' INTO TABLE big", lines());
      expect(listeners()).toBe(before);
      expect(warnings.filter((w) => /MaxListeners/.test(w))).toEqual([]);
      expect(await s.target.query('SELECT COUNT(*), SUM(LENGTH(v)) FROM big')).toEqual([
        [String(rows), String(rows * 150)],
      ]);
    } finally {
      process.off('warning', onWarning);
      await session.close();
    }
  });
});
