import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import type { EngineName } from '../harness/index.js';

export interface ClientRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a SQL script with the engine's own command-line client as a user would: `psql -v ON_ERROR_STOP=1
 * -f file`, or `mysql … < file` (which stops at the first error by itself).
 */
export function runClientScript(engine: EngineName, url: string, file: string): Promise<ClientRun> {
  const env: Record<string, string> = { ...(process.env as Record<string, string>) };
  let command: string;
  let args: string[];
  if (engine === 'sqlite') {
    // `sqlite3 app.db < fix.sql`: the script itself says .bail on
    command = 'sqlite3';
    args = [url];
  } else if (engine === 'postgres') {
    command = 'psql';
    args = ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', file, '-d', url];
  } else {
    const u = new URL(url);
    command = 'mysql';
    args = [
      '-h',
      u.hostname,
      '-P',
      u.port || '3306',
      '-u',
      decodeURIComponent(u.username),
      u.pathname.slice(1),
    ];
    if (u.password) env['MYSQL_PWD'] = decodeURIComponent(u.password);
  }
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    if (engine !== 'postgres') createReadStream(file).pipe(child.stdin);
    else child.stdin.end();
  });
}
