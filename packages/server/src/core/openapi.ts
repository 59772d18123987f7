import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';
import { parse as parseYaml } from 'yaml';
import type { ValidationIssue } from '@music-apis/spec';

/**
 * Loads one OpenAPI 3.1 document and compiles, once at start-up, a request validator for each
 * operation (and response validators when asked). Nothing here runs per request except the
 * compiled Ajv functions.
 */

// ajv-formats is CommonJS; under NodeNext its default export arrives wrapped.
const addFormats = ((addFormatsPlugin as unknown as { default?: typeof addFormatsPlugin }).default ??
  addFormatsPlugin) as unknown as (ajv: Ajv2020) => void;

type JsonObject = Record<string, unknown>;
export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete' | 'head' | 'options';
const METHODS: readonly HttpMethod[] = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'];

export interface ParameterSpec {
  name: string;
  in: 'query' | 'path' | 'header' | 'cookie';
  required: boolean;
  schema: JsonObject;
  /** `style: form, explode: false` arrays arrive comma-separated. */
  commaSeparated: boolean;
  isArray: boolean;
}

export interface RequestInput {
  query: Record<string, unknown>;
  path: Record<string, unknown>;
  headers: Record<string, unknown>;
  body: unknown;
}

export interface OperationSpec {
  operationId: string;
  method: HttpMethod;
  /** Path template as in the document: `/api/track/metadata/{isrc}`. */
  path: string;
  parameters: ParameterSpec[];
  /** Media types the request body may have; empty when the operation takes no body. */
  requestBodyTypes: string[];
  requestBodyRequired: boolean;
  /** Security requirement names; empty means public. */
  security: string[];
  /** Validates and coerces (in place) the request input; returns the issues found. */
  validateRequest(input: RequestInput): ValidationIssue[];
  /**
   * Validates a response: status and content type documented, and the body (unless it is binary,
   * passed as `BINARY_BODY`) matching its schema. Returns a description of each mismatch.
   */
  validateResponse(status: number, contentType: string | undefined, body: unknown): string[];
}

/** Stands for a bytes/stream body, whose schema (a binary string) is not checked. */
export const BINARY_BODY = Symbol('binary body');

export interface ApiDocument {
  /** File name without extension, e.g. `track-manager`. */
  name: string;
  raw: JsonObject;
  operations: Map<string, OperationSpec>;
}

/** Where the YAML documents are: copied next to the build, or the repository's openapi/ folder. */
export function openapiDirectory(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'openapi'), join(here, '../openapi'), join(here, '../../../../openapi')];
  const found = candidates.find((dir) => existsSync(join(dir, 'track-manager.yaml')));
  if (!found) throw new Error(`OpenAPI documents not found (looked in ${candidates.join(', ')})`);
  return found;
}

export function readApiDocumentSource(name: string): string {
  return readFileSync(join(openapiDirectory(), `${name}.yaml`), 'utf8');
}

function resolveRef<T>(document: JsonObject, value: unknown): T {
  let current = value as JsonObject;
  while (current && typeof current.$ref === 'string') {
    const pointer = (current.$ref as string).replace(/^#\//, '').split('/');
    current = pointer.reduce<JsonObject>(
      (node, key) => node[key.replace(/~1/g, '/').replace(/~0/g, '~')] as JsonObject,
      document,
    );
  }
  return current as T;
}

/** Rewrites local `#/…` refs so a schema compiles against the document registered under `id`. */
function absolutizeRefs(value: unknown, id: string): unknown {
  if (Array.isArray(value)) return value.map((item) => absolutizeRefs(item, id));
  if (!value || typeof value !== 'object') return value;
  const out: JsonObject = {};
  for (const [key, child] of Object.entries(value)) {
    out[key] =
      key === '$ref' && typeof child === 'string' && child.startsWith('#')
        ? `${id}${child}`
        : absolutizeRefs(child, id);
  }
  return out;
}

function issueFrom(error: ErrorObject): ValidationIssue {
  const [, location = 'body', ...rest] = error.instancePath.split('/');
  const segments = rest.map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (error.keyword === 'required') segments.push(String(error.params.missingProperty));
  if (error.keyword === 'additionalProperties') segments.push(String(error.params.additionalProperty));
  const messages: Record<string, string> = {
    required: 'is required',
    additionalProperties: 'is not allowed',
  };
  const locationName = (location === 'headers' ? 'header' : location) as ValidationIssue['location'];
  return {
    location: locationName,
    field: segments.join('.'),
    message:
      messages[error.keyword] ??
      (error.keyword === 'enum'
        ? `must be one of ${(error.params.allowedValues as unknown[]).map(String).join(', ')}`
        : (error.message ?? 'is invalid')),
  };
}

/** One message per field is enough for a person; Ajv reports every failed keyword. */
function firstIssuePerField(issues: ValidationIssue[]): ValidationIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.location}:${issue.field}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function createAjv(): Ajv2020 {
  const ajv = new Ajv2020({
    strict: false,
    allErrors: true,
    coerceTypes: 'array',
    useDefaults: true,
    // OpenAPI annotations that are not JSON Schema keywords.
    keywords: ['example', 'xml', 'discriminator', 'externalDocs'],
  });
  addFormats(ajv);
  return ajv;
}

export function loadApiDocument(name: string, options: { validateResponses?: boolean } = {}): ApiDocument {
  const raw = parseYaml(readApiDocumentSource(name)) as JsonObject;
  const id = `urn:music-apis:${name}`;
  const ajv = createAjv();
  ajv.addSchema({ $id: id, components: raw.components ?? {} }, undefined, undefined, false);
  // Response validation must not coerce or fill defaults: it checks what the server really sent.
  const responseAjv = options.validateResponses ? createAjv() : undefined;
  if (responseAjv) {
    responseAjv.opts.coerceTypes = false;
    responseAjv.opts.useDefaults = false;
    responseAjv.addSchema({ $id: id, components: raw.components ?? {} }, undefined, undefined, false);
  }

  const operations = new Map<string, OperationSpec>();
  const globalSecurity = (raw.security as JsonObject[] | undefined) ?? [];
  for (const [path, pathItemRaw] of Object.entries((raw.paths ?? {}) as JsonObject)) {
    const pathItem = resolveRef<JsonObject>(raw, pathItemRaw);
    const sharedParameters = (pathItem.parameters as unknown[] | undefined) ?? [];
    for (const method of METHODS) {
      const operation = pathItem[method] as JsonObject | undefined;
      if (!operation) continue;
      const operationId = operation.operationId as string;
      const parameters = [...sharedParameters, ...((operation.parameters as unknown[]) ?? [])].map(
        (parameterRaw) => {
          const parameter = resolveRef<JsonObject>(raw, parameterRaw);
          const schema = (parameter.schema ?? {}) as JsonObject;
          const resolvedSchema = resolveRef<JsonObject>(raw, schema);
          const isArray =
            resolvedSchema.type === 'array' ||
            (Array.isArray(resolvedSchema.type) && resolvedSchema.type.includes('array'));
          return {
            name:
              parameter.in === 'header'
                ? (parameter.name as string).toLowerCase()
                : (parameter.name as string),
            in: parameter.in as ParameterSpec['in'],
            required: parameter.required === true,
            schema,
            isArray,
            commaSeparated: isArray && parameter.explode === false,
          } satisfies ParameterSpec;
        },
      );
      const requestBody = operation.requestBody
        ? resolveRef<JsonObject>(raw, operation.requestBody)
        : undefined;
      const bodyContent = (requestBody?.content ?? {}) as Record<string, JsonObject>;
      // Multipart bodies are streamed by their handler (request-body.ts never parses them), so only
      // JSON and form bodies are validated here.
      const jsonBodySchema = Object.entries(bodyContent).find(
        ([type]) => isStructuredType(type) && type !== 'multipart/form-data',
      )?.[1]?.schema;

      const group = (location: ParameterSpec['in']) => {
        const members = parameters.filter((parameter) => parameter.in === location);
        return {
          type: 'object',
          properties: Object.fromEntries(members.map((member) => [member.name, member.schema])),
          required: members.filter((member) => member.required).map((member) => member.name),
        };
      };
      const requestSchema = {
        type: 'object',
        properties: {
          query: group('query'),
          path: group('path'),
          headers: group('header'),
          ...(jsonBodySchema ? { body: jsonBodySchema } : {}),
        },
        required: requestBody?.required && jsonBodySchema ? ['body'] : [],
      };
      const validate = ajv.compile(absolutizeRefs(requestSchema, id) as JsonObject);

      const responseValidators = new Map<string, ValidateFunction | null>();
      const responses = (operation.responses ?? {}) as JsonObject;
      const responseValidator = (status: number, contentType: string | undefined) => {
        const key = `${status} ${contentType}`;
        if (!responseValidators.has(key)) {
          const response = resolveRef<JsonObject | undefined>(
            raw,
            responses[String(status)] ?? responses[`${String(status)[0]}XX`] ?? responses.default,
          );
          const content = (response?.content ?? {}) as Record<string, JsonObject>;
          const media = mediaTypeFor(content, contentType);
          responseValidators.set(
            key,
            media?.schema && responseAjv
              ? responseAjv.compile(absolutizeRefs(media.schema, id) as JsonObject)
              : null,
          );
        }
        return { validator: responseValidators.get(key), responses };
      };

      operations.set(operationId, {
        operationId,
        method,
        path,
        parameters,
        requestBodyTypes: Object.keys(bodyContent),
        requestBodyRequired: requestBody?.required === true,
        security: ((operation.security as JsonObject[] | undefined) ?? globalSecurity).flatMap(
          (requirement) => Object.keys(requirement),
        ),
        validateRequest(input) {
          return validate(input) ? [] : firstIssuePerField((validate.errors ?? []).map(issueFrom));
        },
        validateResponse(status, contentType, body) {
          const declared =
            responses[String(status)] ?? responses[`${String(status)[0]}XX`] ?? responses.default;
          if (!declared) return [`status ${status} is not documented for ${operationId}`];
          const content = (resolveRef<JsonObject>(raw, declared).content ?? {}) as Record<string, JsonObject>;
          if (Object.keys(content).length > 0 && !mediaTypeFor(content, contentType)) {
            return [`content-type ${contentType} is not documented for ${operationId} ${status}`];
          }
          const { validator } = responseValidator(status, contentType);
          if (!validator || body === BINARY_BODY) return [];
          let data = body;
          if (typeof body === 'string' && isStructuredType(contentType ?? '') === false) {
            try {
              data = JSON.parse(body);
            } catch {
              // A text body that is not JSON is checked as the string it is.
            }
          }
          return validator(data)
            ? []
            : (validator.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message}`);
        },
      });
    }
  }
  return { name, raw, operations };
}

function isStructuredType(type: string): boolean {
  return /json/i.test(type) || type === 'application/x-www-form-urlencoded' || type === 'multipart/form-data';
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
