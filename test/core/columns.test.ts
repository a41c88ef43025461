import { describe, expect, it } from 'vitest';
import { matchColumns } from '../../src/core/columns.js';
import { RowbackError } from '../../src/core/errors.js';
import type { Column, TableSchema } from '../../src/core/table.js';

function column(name: string, type: string, extra: Partial<Column> = {}): Column {
  return { name, type, nullable: true, hasDefault: false, generated: 'no', identity: 'no', ...extra };
}

function table(columns: Column[]): TableSchema {
  return {
    ref: { schema: 'public', name: 'billing' },
    columns,
    key: { columns: ['id'], origin: 'primary' },
    foreignKeys: [],
    referencedBy: [],
    triggers: [],
    rules: [],
    sequences: [],
    children: [],
    partitioning: 'none',
    transactional: true,
  };
}

describe('matchColumns', () => {
  const id = column('id', 'bigint', { nullable: false });

  it('restores the columns both sides have and skips generated ones', () => {
    const source = table([id, column('amount', 'numeric(12,2)'), column('old', 'text')]);
    const target = table([
      id,
      column('amount', 'numeric(12,2)'),
      column('total', 'numeric', { generated: 'stored' }),
      column('memo', 'text'),
    ]);
    const match = matchColumns(source, target, ['id']);
    expect(match.columns).toEqual(['id', 'amount']);
    expect(match.warnings).toEqual([
      'Column memo of public.billing is not in the source; restored rows get its default.',
      'Column old exists only in the source; it is not restored.',
    ]);
  });

  it('ignores character set and collation differences between servers', () => {
    const source = table([id, column('note', 'varchar(20) CHARACTER SET latin1 COLLATE latin1_swedish_ci')]);
    const target = table([id, column('note', 'varchar(20) COLLATE utf8mb4_unicode_ci')]);
    expect(matchColumns(source, target, ['id']).columns).toEqual(['id', 'note']);
  });

  it('refuses a retyped column and a required column the source lacks, naming them', () => {
    const source = table([id, column('amount', 'numeric(12,2)')]);
    const target = table([
      id,
      column('amount', 'numeric(14,2)'),
      column('currency', 'text', { nullable: false }),
    ]);
    let error: unknown;
    try {
      matchColumns(source, target, ['id']);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RowbackError);
    expect((error as RowbackError).code).toBe('schema-mismatch');
    expect((error as RowbackError).message).toBe(
      'The source and target public.billing differ: column amount is numeric(12,2) in the source and numeric(14,2) in the target; column currency is NOT NULL without a default in the target but absent from the source.',
    );
  });
});
