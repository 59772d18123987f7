/**
 * What the generated validators (`<api>/validators.gen.ts`) need at run time, browser-safe: the
 * format checks of ajv-formats, Ajv's deep equality and its string length. Imported by generated code only.
 */
export { fullFormats } from 'ajv-formats/dist/formats.js';

/** JSON deep equality, for `const` and `enum` with object values. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) =>
    deepEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]),
  );
}

/** String length in code points, as JSON Schema's `maxLength` counts it. */
export function ucs2length(text: string): number {
  return [...text].length;
}
