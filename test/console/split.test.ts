import { describe, expect, it } from 'vitest';
import type { Dialect } from '../../src/console/guard.js';
import { isBlank, splitStatements } from '../../src/console/split.js';

/** The statements `input` ends with `;`, and what is left after the last one. */
function cut(input: string, dialect: Dialect): [string[], string] {
  const { complete, rest } = splitStatements(input, dialect);
  return [complete.map((piece) => piece.text), rest.text];
}

describe('where typed statements end', () => {
  const everywhere: [string, [string[], string]][] = [
    ['select 1', [[], 'select 1']],
    ['select 1; select 2;', [['select 1', ' select 2'], '']],
    ["select ';'", [[], "select ';'"]],
    ["select 'it''s;';", [["select 'it''s;'"], '']],
    ['select "a;b" from t;', [['select "a;b" from t'], '']],
    ['/* ; */ select 1', [[], '/* ; */ select 1']],
    ['-- ;\nselect 1;', [['-- ;\nselect 1'], '']],
    ['select 1; -- done', [['select 1'], ' -- done']],
  ];
  for (const dialect of ['postgres', 'mysql', 'mariadb', 'sqlite'] as Dialect[]) {
    it.each(everywhere)(`${dialect}: %j`, (input, expected) => {
      expect(cut(input, dialect)).toEqual(expected);
    });
  }

  it('knows PostgreSQL dollar quotes, E strings and nested comments', () => {
    expect(cut('select $$;$$;', 'postgres')).toEqual([['select $$;$$'], '']);
    expect(cut('select $body$ ; $x$ ; $body$', 'postgres')).toEqual([[], 'select $body$ ; $x$ ; $body$']);
    expect(cut('select $1; select a$b;', 'postgres')).toEqual([['select $1', ' select a$b'], '']);
    expect(cut("select E'\\';';", 'postgres')).toEqual([["select E'\\';'"], '']);
    expect(cut("select 'a\\'; select 1;", 'postgres')).toEqual([["select 'a\\'", ' select 1'], '']);
    expect(cut('/* a /* b */ ; */ select 1;', 'postgres')).toEqual([['/* a /* b */ ; */ select 1'], '']);
  });

  it('knows MySQL backslash escapes, backquotes and # comments', () => {
    expect(cut("select 'a\\';'", 'mysql')).toEqual([[], "select 'a\\';'"]);
    expect(cut('select `a;b`;', 'mariadb')).toEqual([['select `a;b`'], '']);
    expect(cut('# ;\nselect 1', 'mysql')).toEqual([[], '# ;\nselect 1']);
  });

  it('knows SQLite bracketed names', () => {
    expect(cut('select [a;b] from t;', 'sqlite')).toEqual([['select [a;b] from t'], '']);
  });

  it('tells blanks and comments from a statement', () => {
    expect(isBlank('  -- x\n /* y */ ', 'postgres')).toBe(true);
    expect(isBlank('# x\n', 'mysql')).toBe(true);
    expect(isBlank('# x\n', 'postgres')).toBe(false);
    expect(isBlank(' x ', 'sqlite')).toBe(false);
  });
});
