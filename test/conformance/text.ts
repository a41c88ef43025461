/** NULL as `Scratch.dump` prints it. */
export const N = '\\N';

/** One dump line from its fields, each written exactly as the dump prints it. */
export function row(...fields: string[]): string {
  return fields.join('\t');
}

/**
 * The MySQL table options every scenario table states: a restored instance carries the table's own character
 * set, and the test servers default to different ones.
 */
export const MYSQL_TABLE = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci';

/** A CREATE TABLE both engines accept, with the MySQL table options appended for MySQL. */
export function sharedTable(ddl: string): { postgres: string[]; mysql: string[] } {
  return { postgres: [ddl], mysql: [`${ddl} ${MYSQL_TABLE}`] };
}
