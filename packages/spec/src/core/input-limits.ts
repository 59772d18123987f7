import type { ValidationIssue } from './errors.js';

/**
 * Limits every request of every API meets before its schema is checked, in the server and the
 * mock alike. The documents bound lengths and counts field by field (maxLength, maxItems,
 * maxProperties, maximum); what a schema cannot say for free-form values is checked here:
 *
 * - nesting depth: a body nested thousands of levels deep (in a free-form `metadata` object) is
 *   accepted by a schema, but overflows the stack wherever it is later walked recursively
 *   (`JSON.stringify` on every list page that contains it, the response check, PostgreSQL's
 *   jsonb), so one stored request would break listing for everyone;
 * - NUL characters and unpaired surrogates, in query, path, header and body strings (keys
 *   included): PostgreSQL refuses both in text and jsonb (`invalid byte sequence for encoding
 *   "UTF8"`), so they cannot be stored consistently on every database.
 */

/** The deepest a JSON body may nest (objects and arrays); far beyond any documented shape. */
export const MAX_JSON_DEPTH = 32;

// A NUL, a high surrogate not followed by a low one, or a low one not preceded by a high one.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the NUL character is what this looks for.
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const UNSTORABLE_MESSAGE = 'must not contain NUL characters or unpaired surrogates';

/** The request's parameters as read off the request, before coercion. */
interface RawInput {
  query: Record<string, unknown>;
  path: Record<string, unknown>;
  headers: Record<string, unknown>;
  body: unknown;
}

/** At most one issue per location: the first value found that breaks a limit. */
export function inputLimitIssues(input: RawInput): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const [location, group] of [
    ['query', input.query],
    ['path', input.path],
    ['header', input.headers],
  ] as const) {
    for (const [name, value] of Object.entries(group)) {
      const values = Array.isArray(value) ? value : [value];
      const bad = values.find((item) => typeof item === 'string' && UNSTORABLE.test(item));
      if (bad !== undefined) {
        issues.push(issue(location, name, 'unstorableCharacters', UNSTORABLE_MESSAGE, bad));
        break;
      }
    }
  }
  const bodyIssue = bodyLimitIssue(input.body);
  if (bodyIssue) issues.push(bodyIssue);
  return issues;
}

/**
 * Walks the body without recursion (its depth is what is in question), stopping at the first
 * value too deep or with characters that cannot be stored.
 */
function bodyLimitIssue(body: unknown): ValidationIssue | undefined {
  const pending: { value: unknown; depth: number; path: string[] }[] = [{ value: body, depth: 0, path: [] }];
  while (pending.length > 0) {
    const { value, depth, path } = pending.pop()!;
    if (typeof value === 'string') {
      if (UNSTORABLE.test(value))
        return issue('body', path.join('.'), 'unstorableCharacters', UNSTORABLE_MESSAGE, value);
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH) {
      return issue(
        'body',
        path.join('.'),
        'maxDepth',
        `must not be nested more than ${MAX_JSON_DEPTH} levels deep`,
        undefined,
        { limit: MAX_JSON_DEPTH },
      );
    }
    for (const [key, child] of Object.entries(value)) {
      if (UNSTORABLE.test(key))
        return issue('body', [...path, key].join('.'), 'unstorableCharacters', UNSTORABLE_MESSAGE, key);
      pending.push({ value: child, depth: depth + 1, path: [...path, key] });
    }
  }
  return undefined;
}

function issue(
  location: ValidationIssue['location'],
  field: string,
  keyword: string,
  message: string,
  value: unknown,
  params: Record<string, unknown> = {},
): ValidationIssue {
  return { location, field, keyword, message, params, value };
}
