import { describe, expect, it } from 'vitest';
import { parseTableRef } from '../../src/core/table.js';

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
