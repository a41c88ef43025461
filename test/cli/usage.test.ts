import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CLI_PATH } from '../harness/cli.js';
import { runCli } from '../harness/index.js';

const run = promisify(execFile);

describe('the command line, before any database is touched', () => {
  it('teaches with --help: the story, the commands and the exit codes', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('rowback restore billing --from postgres://');
    expect(result.stdout).toMatch(/diff \[options\] <table>/);
    expect(result.stdout).toContain('7 missing parent rows');
  });

  it('explains the restore policies in restore --help', async () => {
    const result = await runCli(['restore', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('--changed <policy>');
    expect(result.stdout).toMatch(/choices:\s+"keep-current",\s+"take-source"\)/);
    expect(result.stdout).toMatch(
      /\(default: keep-current; take-source with\s+--columns or --target-where\)/,
    );
    expect(result.stdout).toContain('--columns plan                 compare and write only plan');
    expect(result.stdout).toContain('delete removes them (an exact rewind)');
    // every engine's sources and targets are named, SQLite's too
    const flat = result.stdout.replace(/\s+/g, ' ');
    expect(flat).toContain('a SQLite backup file (./backup.db, sqlite:./backup.db)');
    expect(flat).toContain('mysqldump; sqlite3 .dump;');
    expect(flat).toContain('or a SQLite file: ./app.db, sqlite:./app.db)');
  });

  it('prints --help into a pipe closed early (| head) without a crash', async () => {
    // `true` exits before node has started: every write meets a closed pipe (EPIPE); pipefail keeps node's code
    const closed = await run('bash', ['-o', 'pipefail', '-c', `node ${CLI_PATH} restore --help | true`]);
    expect(closed.stderr).toBe('');
    const head = await run('bash', ['-o', 'pipefail', '-c', `node ${CLI_PATH} restore --help | head -1`]);
    expect(head.stdout).toBe('Usage: rowback restore [options] <table>\n');
    expect(head.stderr).toBe('');
  });

  it('exits 2 with a message when a required flag is missing', async () => {
    const result = await runCli(['restore', 'billing', '--from', 'postgres://localhost/app']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("rowback: Required option '--to <target-url>' not specified.");
    expect(result.stderr).toContain('hint: See rowback restore --help');
    expect(result.stdout).toBe('');
  });

  it('reports option-parser errors under --json as one JSON error object, exit 2', async () => {
    const cases: [string[], string, string][] = [
      [
        ['restore', 'billing', '--from', 'postgres://h/a', '--json'],
        "Required option '--to <target-url>' not specified.",
        'See rowback restore --help for the arguments and options.',
      ],
      [
        ['restore', 'billing', '--from', 'a', '--to', 'b', '--changed', 'bogus', '--json'],
        "Option '--changed <policy>' argument 'bogus' is invalid. Allowed choices are keep-current, take-source.",
        'See rowback restore --help for the arguments and options.',
      ],
      [
        ['restore', 'billing', '--from', 'a', '--to', 'b', '--samples', 'abc', '--json'],
        "Option '--samples <n>' argument 'abc' is invalid. Expected a whole number, such as 5 or 0.",
        'See rowback restore --help for the arguments and options.',
      ],
      [
        ['diff', '-t', 'billing', '--from', 'a', '--to', 'b', '--json'],
        "Unknown option '-t'.",
        'The table is the first argument, not an option: rowback diff billing --from … --to … (see rowback diff --help).',
      ],
      [
        ['undo', '--to', 'postgres://h/a', '--json'],
        "Missing required argument 'restore-id'.",
        'See rowback undo --help for the arguments and options.',
      ],
    ];
    for (const [args, message, hint] of cases) {
      const result = await runCli(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(JSON.parse(result.stdout)).toEqual({ error: { code: 'usage', message, hint } });
      expect(result.stderr).toBe(`rowback: ${message}\nhint: ${hint}\n`);
    }
  });

  it('prints its help and exits 2 when no command is given', async () => {
    const result = await runCli([]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Usage: rowback [options] [command]');
    expect(result.stdout).toBe('');
  });

  it('exits 2 on a policy that does not exist', async () => {
    const result = await runCli(['restore', 'billing', '--from', 'a', '--to', 'b', '--changed', 'newest']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("rowback: Option '--changed <policy>' argument 'newest' is invalid.");
  });

  it('refuses an unknown URL scheme with exit 2 and a JSON error object', async () => {
    const result = await runCli([
      'diff',
      'billing',
      '--from',
      'oracle://x/y',
      '--to',
      'oracle://x/z',
      '--json',
    ]);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toEqual({
      error: {
        code: 'usage',
        message: 'rowback cannot tell which database "oracle…" is.',
        hint: 'Connection URLs start with one of: postgres://, postgresql://, mysql://, mariadb://, sqlite:; a SQLite database may also be given as its file path.',
      },
    });
  });

  it('refuses a --where that could escape its parentheses before connecting anywhere', async () => {
    const result = await runCli([
      'diff',
      'billing',
      '--from',
      'postgres://nobody@127.0.0.1:1/x',
      '--to',
      'postgres://nobody@127.0.0.1:1/y',
      '--where',
      'true) OR (true',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--where "true) OR (true" is not a single boolean expression');
  });

  it('says an undo id is not one', async () => {
    const result = await runCli(['undo', 'yesterday', '--to', 'postgres://localhost/app', '--yes']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('"yesterday" is not a restore id.');
  });
});
