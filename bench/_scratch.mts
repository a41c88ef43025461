import { openSession } from '../src/demo/db.js';
for (const url of ['postgres://postgres@127.0.0.1:5432/postgres', 'mysql://root@127.0.0.1:3306/mysql']) {
  const s = await openSession(url);
  console.log(await s.rows("SELECT 1.50 AS a, 9007199254740993 AS b, NULL AS c, now() AS d, 'x' AS e"));
  await s.close();
}
