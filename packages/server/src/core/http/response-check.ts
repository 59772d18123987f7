import type { OpenApiDocument } from '@music-apis/spec';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';

/**
 * VALIDATE_RESPONSES (on in tests): checks every response against its document — status and
 * content type documented, JSON body matching its schema. A diagnostic, so its schemas are
 * compiled on first use rather than at start-up, and never coerced or filled in; the server loads
 * this module only when the check is on. Bytes and streams (and `BINARY_BODY`) are not checked.
 */

// ajv-formats is CommonJS; under NodeNext its default export arrives wrapped.
const addFormats = ((addFormatsPlugin as unknown as { default?: typeof addFormatsPlugin }).default ??
  addFormatsPlugin) as unknown as (ajv: Ajv2020) => void;

type JsonObject = Record<string, unknown>;

/** Stands for a bytes/stream body, whose schema (a binary string) is not checked. */
export const BINARY_BODY = Symbol('binary body');

export type ResponseChecker = (
  operationId: string,
  status: number,
  contentType: string | undefined,
  body: unknown,
) => string[];

export function createResponseChecker(document: OpenApiDocument): ResponseChecker {
  const id = 'urn:music-apis:document';
  const ajv = new Ajv2020({
    strict: false,
    allErrors: true,
    keywords: ['example', 'xml', 'discriminator', 'externalDocs'],
  });
  addFormats(ajv);
  ajv.addSchema({ $id: id, components: document.components ?? {} });
  const responsesById = new Map<string, JsonObject>();
  for (const pathItem of Object.values(document.paths)) {
    for (const operation of Object.values(pathItem) as JsonObject[]) {
      if (operation && typeof operation.operationId === 'string') {
        responsesById.set(operation.operationId, (operation.responses ?? {}) as JsonObject);
      }
    }
  }
  const compiled = new Map<string, ValidateFunction | null>();

  return (operationId, status, contentType, body) => {
    const responses = responsesById.get(operationId) ?? {};
    const declared = resolve(
      document,
      responses[String(status)] ?? responses[`${String(status)[0]}XX`] ?? responses.default,
    );
    if (!declared) return [`status ${status} is not documented for ${operationId}`];
    const content = (declared.content ?? {}) as Record<string, JsonObject>;
    if (Object.keys(content).length === 0) return [];
    const media = mediaTypeFor(content, contentType);
    if (!media) return [`content-type ${contentType} is not documented for ${operationId} ${status}`];
    if (isBinary(body) || !media.schema) return [];
    const key = `${operationId} ${status} ${contentType}`;
    if (!compiled.has(key)) compiled.set(key, ajv.compile(absolutizeRefs(media.schema, id) as JsonObject));
    const validate = compiled.get(key)!;
    let data = body;
    if (typeof body === 'string' && !/json/i.test(contentType ?? '')) {
      try {
        data = JSON.parse(body);
      } catch {
        // A text body that is not JSON is checked as the string it is.
      }
    }
    return validate(data)
      ? []
      : (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message}`);
  };
}

function isBinary(body: unknown): boolean {
  return (
    body === BINARY_BODY ||
    body instanceof Uint8Array ||
    (!!body && typeof (body as { pipe?: unknown }).pipe === 'function')
  );
}

function resolve(document: OpenApiDocument, value: unknown): JsonObject | undefined {
  let current = value as JsonObject | undefined;
  while (current && typeof current.$ref === 'string') {
    const pointer = (current.$ref as string).replace(/^#\//, '').split('/');
    current = pointer.reduce<JsonObject>((node, key) => node?.[key] as JsonObject, document as JsonObject);
  }
  return current;
}

function absolutizeRefs(value: unknown, id: string): unknown {
  if (Array.isArray(value)) return value.map((item) => absolutizeRefs(item, id));
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, child]) => [
      key,
      key === '$ref' && typeof child === 'string' && child.startsWith('#')
        ? `${id}${child}`
        : absolutizeRefs(child, id),
    ]),
  );
}

function mediaTypeFor(
  content: Record<string, JsonObject>,
  contentType: string | undefined,
): JsonObject | undefined {
  const essence = contentType?.split(';')[0]?.trim().toLowerCase();
  if (essence && content[essence]) return content[essence];
  if (content['*/*']) return content['*/*'];
  const wildcard = Object.keys(content).find(
    (type) => type.endsWith('/*') && essence?.startsWith(type.slice(0, -1)),
  );
  return wildcard ? content[wildcard] : undefined;
}
