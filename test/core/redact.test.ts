import { describe, expect, it } from 'vitest';
import { RowbackError } from '../../src/core/errors.js';
import { redactSecrets, redactUrl, registerUrlSecrets } from '../../src/core/redact.js';

describe('secrets', () => {
  it('drops the password and query of a connection URL', () => {
    expect(redactUrl('postgres://ops:s3cr%40t@db.example:5432/app?sslkey=/k')).toBe(
      'postgres://ops@db.example:5432/app',
    );
    expect(redactUrl('mysql://root@127.0.0.1:3306/')).toBe('mysql://root@127.0.0.1:3306/');
  });

  it('removes passwords from any message, including registered ones quoted by a driver', () => {
    registerUrlSecrets('postgres://ops:hunter2-long@db/app');
    expect(redactSecrets('failed for postgres://ops:hunter2-long@db/app')).toBe(
      'failed for postgres://ops:***@db/app',
    );
    expect(redactSecrets('password=hunter2-long host=db')).toBe('password=*** host=db');
    expect(new RowbackError('connection', 'auth failed: hunter2-long').message).toBe('auth failed: ***');
  });
});
