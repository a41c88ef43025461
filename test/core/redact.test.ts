import { describe, expect, it } from 'vitest';
import { RowbackError } from '../../src/core/errors.js';
import { redactSecrets, redactUrl, registerUrlSecrets } from '../../src/core/redact.js';
import { checkUrl, misreadUrl } from '../../src/core/url.js';

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

/** A password whose two halves would each be recognisable if either leaked. */
const PIECES = ['Zq7Sec', 'Ret99x'];
const withPassword = (char: string, url = 'postgres://app:{pw}@db.example:5432/app') =>
  url.replace('{pw}', PIECES.join(char));

describe('a password with a character that must be percent-encoded', () => {
  for (const char of ['/', '?', '#', '%']) {
    it(`refuses a URL whose password holds an unencoded '${char}', quoting none of it`, () => {
      for (const template of [
        'postgres://app:{pw}@db.example:5432/app',
        'mysql://app:{pw}@db.example/app',
        'postgres://app:{pw}@db.example',
        // a password starting with digits reads as a port
        'postgres://app:5432{pw}@db.example/app',
      ]) {
        const url = withPassword(char, template);
        expect(misreadUrl(url), url).toBeDefined();
        const error = (() => {
          try {
            checkUrl(url);
          } catch (e) {
            return e as RowbackError;
          }
        })();
        expect(error?.code).toBe('usage');
        expect(error?.hint).toContain('%2F');
        for (const text of [error?.message ?? '', error?.hint ?? '', redactUrl(url), redactSecrets(url)]) {
          for (const piece of PIECES) expect(text).not.toContain(piece);
        }
      }
    });
  }

  it("reads an unencoded '@' the only way it can be meant (the host follows the last '@'), and never shows it", () => {
    const url = withPassword('@');
    expect(misreadUrl(url)).toBeUndefined();
    expect(redactUrl(url)).toBe('postgres://app@db.example:5432/app');
    expect(redactSecrets(`failed for ${url} just now`)).toBe(
      'failed for postgres://app:***@db.example:5432/app just now',
    );
  });

  it('accepts the same password percent-encoded', () => {
    for (const char of ['/', '?', '#', '%', '@']) {
      const url = withPassword(encodeURIComponent(char));
      expect(misreadUrl(url)).toBeUndefined();
      expect(redactUrl(url)).toBe('postgres://app@db.example:5432/app');
    }
  });
});
