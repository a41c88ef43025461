import { readFileSync } from 'node:fs';
import mysql from 'mysql2/promise';
import { startMariaDb } from './src/servers/mariadb.js';
const s = await startMariaDb({ settings: { 'ssl-cert': 'server.crt', 'ssl-key': 'server.key' }, files: { 'server.crt': readFileSync('/tmp/mc/c.pem','utf8'), 'server.key': readFileSync('/tmp/mc/k.pem','utf8') } });
try {
  const a = await mysql.createConnection({ host: '127.0.0.1', port: s.port, user: 'root' });
  await a.query('SET GLOBAL require_secure_transport = ON'); await a.end();
  for (const pw of ['', 'x']) {
  try { await mysql.createConnection({ host: '127.0.0.1', port: s.port, user: 'root', password: pw }); } catch (e) { console.log((e as any).code, (e as any).errno, (e as Error).message); }
  }
} finally { await s.stop(); }
