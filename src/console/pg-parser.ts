type Parser = typeof import('libpg-query');

let loaded: Promise<Parser> | undefined;

/**
 * PostgreSQL's grammar (libpg-query, compiled to WASM), loaded on first use: only the SQL console parses
 * statements, and loading it at start-up would slow every other command.
 */
export function pgParser(): Promise<Parser> {
  loaded ??= import('libpg-query').then(async (parser) => {
    await parser.loadModule();
    return parser;
  });
  return loaded;
}
