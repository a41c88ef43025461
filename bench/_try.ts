import { openSession } from '../src/demo/db.js';
import { mysqlScenario } from './mysql.js';
import { postgresScenario } from './postgres.js';
import { caseResult, formatReport } from './report.js';
import { runCase } from './steps.js';

const engine = process.argv[2] as 'postgres' | 'mysql';
const rows = Number(process.argv[3]);
const base = engine === 'postgres' ? 'postgres://postgres@127.0.0.1:5432/' : 'mysql://root@127.0.0.1:3306/';
const admin = await openSession(base + (engine === 'postgres' ? 'postgres' : 'mysql'));
for (const d of ['rb_bench_src', 'rb_bench_tgt']) {
  await admin.run(`DROP DATABASE IF EXISTS ${d}`);
  await admin.run(`CREATE DATABASE ${d}`);
}
const servers = { source: base + 'rb_bench_src', target: base + 'rb_bench_tgt', stop: async () => {} };
const scenario = engine === 'postgres' ? postgresScenario() : mysqlScenario();
const source = await openSession(servers.source);
const target = await openSession(servers.target);
const t = Date.now();
await scenario.create(source, rows);
await scenario.create(target, rows);
console.error(
  'created',
  Date.now() - t,
  await scenario.fingerprint(source),
  await scenario.expected(source, 'A', rows),
);
const cases = [];
for (const kase of ['A', 'B'] as const)
  cases.push(
    caseResult(
      kase,
      await runCase({
        kase,
        rows,
        scenario,
        source,
        target,
        servers,
        cli: new URL('../dist/cli/main.js', import.meta.url).pathname,
        log: (l) => console.error(l),
      }),
    ),
  );
console.log(formatReport({ engine, rows, source: servers.source, target: servers.target, cases }));
await source.close();
await target.close();
for (const d of ['rb_bench_src', 'rb_bench_tgt']) await admin.run(`DROP DATABASE IF EXISTS ${d}`);
await admin.close();
