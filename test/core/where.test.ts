import { describe, expect, it } from 'vitest';
import type { RowbackError } from '../../src/core/errors.js';
import { checkWhereShape } from '../../src/core/where.js';

function rejection(where: string): RowbackError {
  try {
    checkWhereShape(where);
  } catch (error) {
    return error as RowbackError;
  }
  throw new Error(`expected ${where} to be rejected`);
}

describe('checkWhereShape', () => {
  it('accepts one boolean expression, quotes and parentheses included', () => {
    expect(checkWhereShape("  account_id = 42 AND (note = 'a;b)' OR note IS NULL) ")).toBe(
      "account_id = 42 AND (note = 'a;b)' OR note IS NULL)",
    );
    expect(checkWhereShape('"weird;name" > 0')).toBe('"weird;name" > 0');
  });

  it('refuses text that would close the WHERE parenthesis or start another statement', () => {
    expect(rejection('true) OR (true').message).toContain('")" without its "("');
    expect(rejection('id = 1; DROP TABLE billing').message).toContain('";"');
    expect(rejection('id = 1 -- and the rest').message).toContain('comment');
    expect(rejection("note = 'open").message).toContain('unterminated');
    expect(rejection('(id = 1').code).toBe('bad-where');
    expect(rejection('   ').code).toBe('bad-where');
  });
});
