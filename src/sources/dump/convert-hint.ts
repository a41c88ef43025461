/**
 * How to turn a pg_dump written in another encoding into one rowback reads, when it is the only copy of
 * the past rows (taking it again would dump the damaged table). iconv converts every byte of such a dump
 * exactly: COPY's escapes and bytea's hex are ASCII, and a multibyte character is converted whole. The
 * dump's own `SET client_encoding` line, its first (never its first line: comments come before it), then
 * names UTF8; `1,/re/` rather than GNU's `0,/re/`, so BSD sed runs it too.
 */

/** PostgreSQL's encoding names as iconv knows them; an encoding not listed gets no command. */
const ICONV: Record<string, string> = {
  LATIN1: 'ISO-8859-1',
  LATIN2: 'ISO-8859-2',
  LATIN3: 'ISO-8859-3',
  LATIN4: 'ISO-8859-4',
  LATIN5: 'ISO-8859-9',
  LATIN6: 'ISO-8859-10',
  LATIN7: 'ISO-8859-13',
  LATIN8: 'ISO-8859-14',
  LATIN9: 'ISO-8859-15',
  LATIN10: 'ISO-8859-16',
  ISO_8859_5: 'ISO-8859-5',
  ISO_8859_6: 'ISO-8859-6',
  ISO_8859_7: 'ISO-8859-7',
  ISO_8859_8: 'ISO-8859-8',
  WIN866: 'CP866',
  WIN874: 'CP874',
  WIN1250: 'WINDOWS-1250',
  WIN1251: 'WINDOWS-1251',
  WIN1252: 'WINDOWS-1252',
  WIN1253: 'WINDOWS-1253',
  WIN1254: 'WINDOWS-1254',
  WIN1255: 'WINDOWS-1255',
  WIN1256: 'WINDOWS-1256',
  WIN1257: 'WINDOWS-1257',
  WIN1258: 'WINDOWS-1258',
  KOI8R: 'KOI8-R',
  KOI8U: 'KOI8-U',
  EUC_JP: 'EUC-JP',
  EUC_CN: 'EUC-CN',
  EUC_KR: 'EUC-KR',
  EUC_TW: 'EUC-TW',
  SJIS: 'SHIFT_JIS',
  BIG5: 'BIG5',
  GBK: 'GBK',
  GB18030: 'GB18030',
  UHC: 'CP949',
  JOHAB: 'JOHAB',
};

/** `path` quoted for a POSIX shell. */
function shellQuote(path: string): string {
  return /^[\w./-]+$/.test(path) ? path : `'${path.replaceAll("'", "'\\''")}'`;
}

/**
 * The command that writes convertedPath(path), a plain UTF-8 copy of the dump at `path` (`format` as the
 * reader names it), or undefined when iconv has no name for `encoding`.
 */
export function convertCommand(path: string, format: string, encoding: string): string | undefined {
  const from = ICONV[encoding];
  if (!from) return undefined;
  const file = shellQuote(path);
  const unwrap = / gzip\)?$/.test(format) ? 'gzip -dc' : / zstd\)?$/.test(format) ? 'zstd -dc' : undefined;
  const plain = format.startsWith('plain');
  const read = plain
    ? unwrap
      ? `${unwrap} ${file} | `
      : ''
    : unwrap
      ? `${unwrap} ${file} | pg_restore -f - | `
      : `pg_restore -f - ${file} | `;
  const iconv = `iconv -f ${from} -t UTF-8${plain && !unwrap ? ` ${file}` : ''}`;
  const line = `^SET client_encoding = '${encoding}';\\$`;
  const sed = `sed "1,/${line}/s/${line}/SET client_encoding = 'UTF8';/"`;
  return `${read}${iconv} | ${sed} > ${shellQuote(convertedPath(path))}`;
}

/** Where convertCommand writes the converted dump: beside the file, or the directory (`dump/` too). */
export function convertedPath(path: string): string {
  return `${path.replace(/(.)\/+$/, '$1')}.utf8.sql`;
}
