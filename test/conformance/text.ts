/** NULL as `Scratch.dump` prints it. */
export const N = '\\N';

/** One dump line from its fields, each written exactly as the dump prints it. */
export function row(...fields: string[]): string {
  return fields.join('\t');
}
