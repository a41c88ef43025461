import { describe, expect, it } from 'vitest';
import { PgPlainParser } from '../../../src/sources/dump/pg-plain.js';
import { RowBuilder } from '../../../src/sources/dump/row-builder.js';
import { cuts, parseIn } from './chunks.js';

const DUMP = Buffer.from(
  [
    '--',
    '-- PostgreSQL database dump',
    '--',
    '\\restrict abc123',
    'SET standard_conforming_strings = on;',
    "SELECT pg_catalog.set_config('search_path', '', false);",
    "CREATE FUNCTION public.f() RETURNS text LANGUAGE sql AS $_$SELECT 'COPY public.t (a) FROM stdin;'; $_$;",
    'CREATE TABLE other.t (',
    '    id integer NOT NULL',
    ');',
    'CREATE TABLE public.t (',
    '    id integer NOT NULL,',
    '    "Note" text',
    ');',
    'CREATE TABLE public."Weird ""Name""" (k integer);',
    'COPY other.t (id) FROM stdin;',
    '1',
    '\\.',
    '',
    'COPY public.t (id, "Note") FROM stdin;',
    '1\ta\\tb',
    '2\t\\N',
    '3\t\\\\.',
    '\\N\t\\.x',
    '\\.5\t\\\\',
    '\\.',
    '',
    'COPY public."Weird ""Name""" (k) FROM stdin;',
    '7',
    '\\.',
    '',
    '--',
    '-- PostgreSQL database dump complete',
    '--',
    '',
    '\\unrestrict abc123',
    '',
  ].join('\n'),
  'latin1',
);

describe('the plain pg_dump reader', () => {
  it('reads the COPY block of the schema asked for, whatever the chunk boundaries', () => {
    for (const pieces of cuts(DUMP)) {
      const { rows, columns, parser } = parseIn(
        pieces,
        (open) => new PgPlainParser({ schema: 'public', name: 't' }, open),
        () => ({ fields: 2 }),
      );
      expect(rows).toBe('1\ta\\tb\n2\t\\N\n3\t\\\\.\n\\N\t\\.x\n\\.5\t\\\\\n');
      expect(columns).toEqual(['id', 'Note']);
      expect(parser.done).toBe(true);
      expect(parser.create).toContain('CREATE TABLE public.t (');
    }
  });

  it('reorders columns when the dump has them in another order', () => {
    for (const pieces of cuts(DUMP)) {
      const { rows } = parseIn(
        pieces,
        (open) => new PgPlainParser({ schema: 'public', name: 't' }, open),
        () => ({ fields: 2, order: [1, 0] }),
      );
      expect(rows).toBe('a\\tb\t1\n\\N\t2\n\\\\.\t3\n\\.x\t\\N\n\\\\\t\\.5\n');
    }
  });

  it('lists the tables of a dump without the one asked for', () => {
    const { rows, parser } = parseIn(
      [DUMP],
      (open) => new PgPlainParser({ schema: 'public', name: 'missing' }, open),
      () => ({ fields: 1 }),
    );
    expect(rows).toBe('');
    expect(parser.tables).toEqual([
      { schema: 'other', name: 't' },
      { schema: 'public', name: 't' },
      { schema: 'public', name: 'Weird "Name"' },
    ]);
  });

  it('calls a dump that ends before its last line truncated, not short of the table', () => {
    const cut = DUMP.subarray(0, DUMP.indexOf('-- PostgreSQL database dump complete'));
    expect(() =>
      parseIn(
        [cut],
        (open) => new PgPlainParser({ schema: 'public', name: 'missing' }, open),
        () => ({
          fields: 1,
        }),
      ),
    ).toThrow(
      /expected the rest of the dump, up to its line "-- PostgreSQL database dump complete", found the end of the file/,
    );
    // A table whose COPY block ended before the cut has all its rows.
    const weird = parseIn(
      [cut],
      (open) => new PgPlainParser({ schema: 'public', name: 'Weird "Name"' }, open),
      () => ({
        fields: 1,
      }),
    );
    expect(weird.rows).toBe('7\n');
    // Cut inside a statement that would have told whether more rows follow.
    const mid = DUMP.subarray(0, DUMP.indexOf('COPY public."Weird') + 12);
    expect(() =>
      parseIn(
        [mid],
        (open) => new PgPlainParser({ schema: 'public', name: 'Weird "Name"' }, open),
        () => ({
          fields: 1,
        }),
      ),
    ).toThrow(/expected the rest of a statement, up to its ";", found the end of the file/);
  });

  it('finds no data for a table whose CREATE has no COPY block, and an empty --inserts section by its comment', () => {
    const schemaOnly = Buffer.from(
      [
        '--',
        '-- PostgreSQL database dump',
        '--',
        'CREATE TABLE public.t (id integer);',
        'CREATE TABLE public.u (id integer);',
        '--',
        '-- Data for Name: u; Type: TABLE DATA; Schema: public; Owner: postgres',
        '--',
        '',
        'INSERT INTO public.u VALUES (1);',
        '--',
        '-- PostgreSQL database dump complete',
        '--',
        '',
      ].join('\n'),
      'latin1',
    );
    for (const pieces of cuts(schemaOnly)) {
      const t = parseIn(
        pieces,
        (open) => new PgPlainParser({ schema: 'public', name: 't' }, open),
        () => ({
          fields: 1,
        }),
      );
      expect([t.rows, t.parser.foundData]).toEqual(['', false]);
    }
    const emptyInserts = Buffer.from(
      schemaOnly
        .toString('latin1')
        .replace(
          'CREATE TABLE public.u (id integer);\n',
          'CREATE TABLE public.u (id integer);\n--\n-- Data for Name: t; Type: TABLE DATA; Schema: public; Owner: postgres\n--\n\n',
        ),
      'latin1',
    );
    for (const pieces of cuts(emptyInserts)) {
      const t = parseIn(
        pieces,
        (open) => new PgPlainParser({ schema: 'public', name: 't' }, open),
        () => ({
          fields: 1,
        }),
      );
      expect([t.rows, t.parser.foundData, t.parser.done]).toEqual(['', true, true]);
    }
  });

  it('gathers the rows of one-row INSERTs into large chunks, one values parser for them all', () => {
    const lines = ['CREATE TABLE public.t (id integer, tx text);'];
    for (let i = 1; i <= 5000; i++) lines.push(`INSERT INTO public.t (id, tx) VALUES (${i}, 'row ${i}');`);
    lines.push(
      "INSERT INTO public.t (tx, id) VALUES ('other order', 0);",
      'CREATE INDEX i ON public.t (id);',
    );
    const chunks: Buffer[] = [];
    let opened = 0;
    const parser = new PgPlainParser({ schema: 'public', name: 't' }, (columns) => {
      opened++;
      const order = columns?.[0] === 'tx' ? [1, 0] : undefined;
      return new RowBuilder(2, order, (chunk) => chunks.push(Buffer.from(chunk)));
    });
    parser.push(Buffer.from(lines.join('\n'), 'latin1'));
    expect(parser.done).toBe(true);
    const want = Array.from({ length: 5000 }, (_, i) => `${i + 1}\trow ${i + 1}\n`).join('');
    expect(Buffer.concat(chunks).toString('latin1')).toBe(`${want}0\tother order\n`);
    expect(opened).toBe(2); // a builder per column list, not per statement
    expect(chunks.length).toBeLessThan(5);
  });

  const INSERTS = Buffer.from(
    [
      'CREATE TABLE public.t (id integer, b boolean, bits bit(4), n numeric, tx text);',
      "INSERT INTO public.t VALUES (1, true, B'1010', 'NaN', 'a\tb",
      "c\\d''e');",
      'INSERT INTO public.t (id, b, bits, n, tx) OVERRIDING SYSTEM VALUE VALUES',
      "\t(2, false, NULL, -1.50e3, ''),",
      "\t(3, NULL, B'', 0.0, E'x\\\\y''z');",
      'INSERT INTO public.u VALUES (1);',
    ].join('\n'),
    'latin1',
  );

  it('reads --inserts and --column-inserts statements as COPY text', () => {
    for (const pieces of cuts(INSERTS)) {
      const { rows, parser } = parseIn(
        pieces,
        (open) => new PgPlainParser({ schema: 'public', name: 't' }, open),
        () => ({ fields: 5 }),
      );
      expect(rows).toBe(
        ["1\tt\t1010\tNaN\ta\\tb\\nc\\\\d'e", '2\tf\t\\N\t-1.50e3\t', "3\t\\N\t\t0.0\tx\\\\y'z", ''].join(
          '\n',
        ),
      );
      expect(parser.done).toBe(true);
    }
  });
});
