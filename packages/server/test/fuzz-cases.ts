import { MAX_JSON_DEPTH, type OpenApiDocument, type OperationSpec } from '@music-apis/spec';

/**
 * Bad requests for one operation, derived from its document: a plausible request (required
 * parameters and body fields filled from their schemas, known ids where the caller has them)
 * and one mutation of it per case — wrong types, missing required values, huge strings, NUL
 * characters, unpaired surrogates, deep nesting, huge numbers, unknown fields, bad enum values,
 * long lists, bodies that are not JSON. Seeded, so a failing case can be replayed.
 */

type Schema = Record<string, unknown>;
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface FuzzCase {
  /** What was changed, for the failure message (`body.title: huge string`). */
  label: string;
  method: string;
  /** Path with its parameters filled in, and the query string. */
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** A small seeded PRNG (mulberry32): the same seed gives the same cases. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const HUGE_STRING = 'x'.repeat(100_000);
const URL_VALUE_LIMIT = 4096;
/**
 * Stands for a value nested far deeper than MAX_JSON_DEPTH; replaced by its JSON text after
 * serialisation (building the object itself would overflow JSON.stringify first).
 */
const DEEP = '\u0001deep';
const DEEP_JSON = `${'{"a":'.repeat(MAX_JSON_DEPTH * 150)}1${'}'.repeat(MAX_JSON_DEPTH * 150)}`;
const withDeepValues = (json: string) => json.replaceAll(JSON.stringify(DEEP), DEEP_JSON);

/** The schema behind `$ref`s, with `allOf` merged (properties and required lists). */
function resolve(document: OpenApiDocument, schema: unknown): Schema {
  let current = (schema ?? {}) as Schema;
  while (typeof current.$ref === 'string') {
    current = (current.$ref as string)
      .replace(/^#\//, '')
      .split('/')
      .reduce<Schema>((node, key) => node[key] as Schema, document as unknown as Schema);
  }
  if (!Array.isArray(current.allOf)) return current;
  const parts = (current.allOf as unknown[]).map((part) => resolve(document, part));
  return {
    ...Object.assign({}, ...parts),
    ...current,
    allOf: undefined,
    properties: Object.assign({}, ...parts.map((part) => part.properties ?? {}), current.properties ?? {}),
    required: [...new Set(parts.flatMap((part) => (part.required as string[]) ?? []))],
  };
}

const typesOf = (schema: Schema): string[] =>
  ([] as string[]).concat((schema.type as string | string[] | undefined) ?? []).filter((t) => t !== 'null');

/** A value the schema accepts, or close to it (patterns are not generated, examples are used). */
function sample(document: OpenApiDocument, raw: unknown, depth = 0): Json {
  const schema = resolve(document, raw);
  if (schema.example !== undefined) return schema.example as Json;
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0] as Json;
  if (schema.const !== undefined) return schema.const as Json;
  if (Array.isArray(schema.enum)) return schema.enum[0] as Json;
  if (schema.default !== undefined) return schema.default as Json;
  const alternatives = (schema.oneOf ?? schema.anyOf) as unknown[] | undefined;
  if (alternatives?.length) return sample(document, alternatives[0], depth);
  const [type] = typesOf(schema);
  switch (type) {
    case 'string':
      if (schema.format === 'uuid') return '3fa85f64-5717-4562-b3fc-2c963f66afa6';
      if (schema.format === 'date-time') return '2024-01-01T00:00:00Z';
      if (schema.format === 'date') return '2024-01-01';
      if (schema.format === 'email') return 'fuzz@example.com';
      if (schema.format === 'uri') return 'https://example.com/fuzz';
      return 'fuzz';
    case 'integer':
    case 'number':
      return typeof schema.minimum === 'number' ? schema.minimum : 1;
    case 'boolean':
      return true;
    case 'array':
      return depth > 4 ? [] : [sample(document, schema.items, depth + 1)];
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, unknown>;
      const required = (schema.required as string[] | undefined) ?? [];
      return Object.fromEntries(
        required
          .filter((name) => name in properties)
          .map((name) => [name, sample(document, properties[name], depth + 1)]),
      );
    }
    default:
      return 'fuzz';
  }
}

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema?: unknown;
}

/** The document's operation object and its parameters (path-level ones included). */
function operationObject(document: OpenApiDocument, spec: OperationSpec) {
  const pathItem = document.paths[spec.path] as Schema;
  const operation = pathItem[spec.method.toLowerCase()] as Schema;
  const parameters = [
    ...((pathItem.parameters as unknown[]) ?? []),
    ...((operation.parameters as unknown[]) ?? []),
  ].map((parameter) => resolve(document, parameter) as unknown as Parameter);
  const requestBody = operation.requestBody ? resolve(document, operation.requestBody) : undefined;
  const content = (requestBody?.content ?? {}) as Record<string, { schema?: unknown }>;
  const jsonType = Object.keys(content).find((type) => /json/i.test(type));
  return { parameters, bodySchema: jsonType ? resolve(document, content[jsonType]?.schema) : undefined };
}

/** The mutations a value can get, by what its schema is. */
function mutationsOf(document: OpenApiDocument, raw: unknown): [string, Json][] {
  const schema = resolve(document, raw);
  const types = typesOf(schema);
  const mutations: [string, Json][] = [
    ['NUL character', 'a\u0000b'],
    ['unpaired surrogate', 'a\ud800b'],
    ['huge string', HUGE_STRING],
    ['huge number', 1e20],
    ['negative number', -1],
  ];
  if (types.includes('string')) mutations.push(['wrong type (object)', { not: 'a string' }]);
  if (types.includes('integer') || types.includes('number')) {
    mutations.push(['wrong type (string)', 'ten'], ['fraction', 1.5], ['max double', 1.7976931348623157e308]);
  }
  if (types.includes('array'))
    mutations.push(['long list', Array.from({ length: 1000 }, (_, i) => `item ${i}`)]);
  if (types.includes('object')) mutations.push(['deep nesting', DEEP]);
  if (Array.isArray(schema.enum) || (schema.allOf as unknown[] | undefined)?.length)
    mutations.push(['bad enum', 'NotAValue']);
  return mutations;
}

/** Percent-encoded; an unpaired surrogate becomes the bytes of its (invalid) UTF-8 form. */
function pathSegment(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return `${encodeURIComponent(text.replace(/[\ud800-\udfff]/g, ''))}%ED%A0%80`;
  }
}

const pick = <T>(random: () => number, items: readonly T[]): T =>
  items[Math.floor(random() * items.length)] as T;

/** Query values travel as text: objects and lists become their JSON or comma-joined form. */
const asText = (value: Json): string =>
  Array.isArray(value)
    ? value.map(String).join(',')
    : typeof value === 'object' && value
      ? JSON.stringify(value)
      : String(value);

/**
 * `count` cases for one operation. `known` supplies real values by parameter name (ids of
 * existing resources) so handlers get past their lookups; `credentials` are the headers of a
 * valid caller, so validation and handlers are reached rather than the authentication check.
 */
export function fuzzCases(
  document: OpenApiDocument,
  spec: OperationSpec,
  options: {
    count: number;
    random: () => number;
    known: Record<string, string>;
    credentials: Record<string, string>;
  },
): FuzzCase[] {
  const { parameters, bodySchema } = operationObject(document, spec);
  const { random } = options;
  const baseParameters = new Map<Parameter, Json>();
  for (const parameter of parameters) {
    if (parameter.in === 'cookie') continue;
    const known = options.known[parameter.name];
    if (known !== undefined) baseParameters.set(parameter, known);
    else if (parameter.required) baseParameters.set(parameter, sample(document, parameter.schema));
  }
  const baseBody = bodySchema ? sample(document, bodySchema) : undefined;
  const bodyFields = Object.entries((bodySchema?.properties ?? {}) as Record<string, unknown>);

  const build = (
    label: string,
    changes: { parameter?: [Parameter, Json | undefined]; body?: string | null; contentType?: string },
  ): FuzzCase => {
    const values = new Map(baseParameters);
    if (changes.parameter) {
      const [parameter, value] = changes.parameter;
      if (value === undefined) values.delete(parameter);
      else values.set(parameter, value);
    }
    let path = spec.path;
    const query = new URLSearchParams();
    const headers: Record<string, string> = { ...options.credentials };
    for (const [parameter, value] of values) {
      // Node answers a request line or headers over 16 KiB itself (431), before the app: longer
      // URL values would test Node, not the server.
      const text = asText(value).slice(0, URL_VALUE_LIMIT);
      if (parameter.in === 'path') path = path.replace(`{${parameter.name}}`, pathSegment(text));
      else if (parameter.in === 'query') query.append(parameter.name, text);
      // Header values cannot carry NUL or non-Latin-1 text (fetch refuses them before sending).
      else if (parameter.in === 'header' && /^[\x20-\x7e]*$/.test(text) && text.length < 8192)
        headers[parameter.name] = text;
    }
    // A path parameter left out still needs a segment: an empty one is the closest bad value.
    path = path.replace(/\{[^}]+\}/g, '');
    const body =
      changes.body === null
        ? undefined
        : (changes.body ?? (baseBody === undefined ? undefined : JSON.stringify(baseBody)));
    if (body !== undefined) headers['content-type'] = changes.contentType ?? 'application/json';
    return {
      label,
      method: spec.method,
      url: `${path}${query.size > 0 ? `?${query}` : ''}`,
      headers,
      ...(body === undefined ? {} : { body }),
    };
  };

  const generators: (() => FuzzCase)[] = [];
  for (const parameter of parameters.filter((p) => p.in !== 'cookie')) {
    generators.push(() => {
      const [what, value] = pick(random, mutationsOf(document, parameter.schema));
      return build(`${parameter.in}.${parameter.name}: ${what}`, { parameter: [parameter, value] });
    });
    if (parameter.required)
      generators.push(() =>
        build(`${parameter.in}.${parameter.name}: missing`, { parameter: [parameter, undefined] }),
      );
  }
  if (bodySchema) {
    const withField = (name: string, value: Json | undefined) => {
      const body = { ...(baseBody as Record<string, Json>) };
      if (value === undefined) delete body[name];
      else body[name] = value;
      return withDeepValues(JSON.stringify(body));
    };
    for (const [name, schema] of bodyFields) {
      generators.push(() => {
        const [what, value] = pick(random, mutationsOf(document, schema));
        return build(`body.${name}: ${what}`, { body: withField(name, value) });
      });
    }
    for (const name of (bodySchema.required as string[] | undefined) ?? [])
      generators.push(() => build(`body.${name}: missing`, { body: withField(name, undefined) }));
    generators.push(
      () => build('body: unknown field', { body: withField('unknownFuzzField', 'surprise') }),
      () => build('body: not JSON', { body: '{"unterminated": ' }),
      () => build('body: JSON array', { body: '[1,2,3]' }),
      () => build('body: JSON null', { body: 'null' }),
      () => build('body: wrong content type', { body: 'title=x', contentType: 'text/plain' }),
      () => build('body: empty', { body: null }),
      () => build('body: over 1 MiB', { body: JSON.stringify({ padding: 'x'.repeat(1_100_000) }) }),
      () => build('body: deep nesting', { body: `${'['.repeat(50_000)}${']'.repeat(50_000)}` }),
    );
  }
  generators.push(() => build('as documented', {}));
  // Every generator once when they fit, else a seeded choice; never more than `count`.
  const chosen =
    generators.length <= options.count
      ? generators
      : Array.from({ length: options.count }, () => pick(random, generators));
  return chosen.map((generate) => generate());
}
