import { describe, expect, it } from 'vitest';
import { formatTable, parseTableRef } from '../../src/core/table.js';

describe('parseTableRef', () => {
  it('reads name and schema.name, with quoted parts keeping dots and doubled quotes', () => {
    expect(parseTableRef('billing')).toEqual({ name: 'billing' });
    expect(parseTableRef('app.billing')).toEqual({ schema: 'app', name: 'billing' });
    expect(parseTableRef('"My Schema"."a.b"')).toEqual({ schema: 'My Schema', name: 'a.b' });
    expect(parseTableRef('`we``ird`')).toEqual({ name: 'we`ird' });
    expect(parseTableRef('"say ""hi"""')).toEqual({ name: 'say "hi"' });
  });

  it('refuses more than two parts', () => {
    expect(() => parseTableRef('a.b.c')).toThrow('invalid table name: a.b.c');
  });
});

describe('formatTable', () => {
  it('writes names as the table argument takes them back, quoting a part with a dot, a quote or a space', () => {
    const refs = [
      { name: 'billing' },
      { schema: 'app', name: 'billing' },
      { schema: 'My Schema', name: 'a.b' },
      { name: 'we`ird' },
      { name: 'say "hi"' },
      { schema: 'ünï', name: 'çødé_$1' },
    ];
    expect(refs.map(formatTable)).toEqual([
      'billing',
      'app.billing',
      '"My Schema"."a.b"',
      '"we`ird"',
      '"say ""hi"""',
      'ünï.çødé_$1',
    ]);
    for (const ref of refs) expect(parseTableRef(formatTable(ref))).toEqual(ref);
  });
});
