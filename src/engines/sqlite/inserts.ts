import type Database from 'better-sqlite3';
import { columnList } from './sql.js';

const QUOTE = 0x27;
const LETTER_X = 0x78;
const DOT = 0x2e;
const LETTER_E = 0x65;

/** How one field of the row format turns back into its value (the inverse of fieldOf in sql.ts). */
type Kind = 'n' | 't' | 'b' | 'r' | 'i';

function kindOf(field: Buffer | null): Kind {
  if (field === null) return 'n';
  const first = field[0];
  if (first === QUOTE) return 't';
  if (first === LETTER_X) return 'b';
  if (field.includes(DOT) || field.includes(LETTER_E)) return 'r';
  return 'i';
}

/**
 * The SQL for one kind of field, bound as a BLOB of the field's bytes: CAST of a blob to TEXT keeps every
 * byte (NUL, invalid UTF-8), and a real's or integer's text is read by SQLite itself, to the same bits.
 */
const EXPRESSION: Record<Kind, string> = {
  n: '?',
  t: 'CAST(? AS TEXT)',
  b: 'unhex(CAST(? AS TEXT))',
  r: 'CAST(CAST(? AS TEXT) AS REAL)',
  i: 'CAST(CAST(? AS TEXT) AS INTEGER)',
};

/** The bytes bound for a field: a text without its quotes, a blob's hex without `x'…'`. */
function parameter(kind: Kind, field: Buffer | null): Buffer | null {
  if (field === null) return null;
  if (kind === 't') return field.subarray(1, field.length - 1);
  if (kind === 'b') return field.subarray(2, field.length - 1);
  return field;
}

/** Different shapes a table's rows may take before the statements stop being cached (each is prepared once). */
const MOST_SHAPES = 512;

/**
 * Writes rows of the row format into a table with plain `INSERT … VALUES` statements, one prepared per
 * shape of row (which fields are NULL, text, blob, real or integer) and reused: the kind of each field is
 * told here from its first bytes, so SQLite does no per-value dispatch, and values still never pass
 * through JavaScript.
 */
export class RowInserter {
  private readonly statements = new Map<string, Database.Statement>();
  private readonly kinds: Kind[] = [];
  private readonly params: (Buffer | null)[] = [];

  constructor(
    private readonly db: Database.Database,
    private readonly table: string,
    private readonly columns: string[],
  ) {}

  insert(row: (Buffer | null)[]): void {
    let shape = '';
    for (let i = 0; i < row.length; i++) {
      const kind = kindOf(row[i]!);
      this.kinds[i] = kind;
      this.params[i] = parameter(kind, row[i]!);
      shape += kind;
    }
    this.params.length = row.length;
    this.statementFor(shape).run(this.params);
  }

  private statementFor(shape: string): Database.Statement {
    const cached = this.statements.get(shape);
    if (cached) return cached;
    const values = this.kinds.slice(0, shape.length).map((k) => EXPRESSION[k]);
    const statement = this.db.prepare(
      `INSERT INTO ${this.table} (${columnList(this.columns)}) VALUES (${values.join(', ')})`,
    );
    if (this.statements.size >= MOST_SHAPES) this.statements.clear();
    this.statements.set(shape, statement);
    return statement;
  }
}
