// The spec package's generated files for one OpenAPI document (see scripts/gen.mjs):
//   packages/spec/src/<api>/schema.gen.ts      types (openapi-typescript)
//   packages/spec/src/<api>/operations.gen.ts  the operation table
//   packages/spec/src/<api>/validators.gen.ts  request validators, Ajv standalone code
//   packages/spec/src/<api>/document.gen.ts    the document as JSON (API docs, response checks)
import { Ajv2020 } from 'ajv/dist/2020.js';
import { _ } from 'ajv/dist/compile/codegen/index.js';
import standaloneCode from 'ajv/dist/standalone/index.js';
import addFormatsPlugin from 'ajv-formats';

const addFormats = addFormatsPlugin.default ?? addFormatsPlugin;
const standalone = standaloneCode.default ?? standaloneCode;
const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'];

/** `track-manager` -> `trackManager`. */
export const apiKeyOf = (name) => name.replace(/-([a-z])/g, (_m, c) => c.toUpperCase());

function resolveRef(document, value) {
  let current = value;
  while (current && typeof current.$ref === 'string') {
    const pointer = current.$ref.replace(/^#\//, '').split('/');
    current = pointer.reduce((node, key) => node[key.replace(/~1/g, '/').replace(/~0/g, '~')], document);
  }
  return current;
}

/** Rewrites local `#/…` refs to point into the components registered under `id`. */
function absolutizeRefs(value, id) {
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

/** A copy without `default` keywords: update bodies are validated against it (nothing filled in). */
function withoutDefaults(value, isPropertyMap = false) {
  if (Array.isArray(value)) return value.map((item) => withoutDefaults(item));
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => isPropertyMap || key !== 'default')
      .map(([key, child]) => [key, withoutDefaults(child, !isPropertyMap && key === 'properties')]),
  );
}

const isArraySchema = (schema) =>
  schema.type === 'array' || (Array.isArray(schema.type) && schema.type.includes('array'));

const STRUCTURED = (type) => /json/i.test(type) || type === 'application/x-www-form-urlencoded';

/** Reads one document into the operation table entries and the schemas to compile. */
export function readOperations(document) {
  const globalSecurity = document.security ?? [];
  const operations = [];
  for (const [path, pathItemRaw] of Object.entries(document.paths ?? {})) {
    const pathItem = resolveRef(document, pathItemRaw);
    for (const method of METHODS) {
      const operation = pathItem[method];
      if (!operation) continue;
      const parameters = [...(pathItem.parameters ?? []), ...(operation.parameters ?? [])].map((raw) => {
        const parameter = resolveRef(document, raw);
        const schema = resolveRef(document, parameter.schema ?? {});
        const style =
          parameter.style ?? (parameter.in === 'query' || parameter.in === 'cookie' ? 'form' : 'simple');
        const explode = parameter.explode ?? style === 'form';
        return {
          name: parameter.name,
          in: parameter.in,
          required: parameter.required === true,
          array: isArraySchema(schema),
          style,
          explode,
          schema: parameter.schema ?? {},
        };
      });
      const requestBody = operation.requestBody ? resolveRef(document, operation.requestBody) : undefined;
      const content = requestBody?.content ?? {};
      const structuredType = Object.keys(content).find(STRUCTURED);
      const responses = Object.fromEntries(
        Object.entries(operation.responses ?? {}).map(([status, raw]) => [
          status,
          Object.keys(resolveRef(document, raw)?.content ?? {}),
        ]),
      );
      operations.push({
        operationId: operation.operationId,
        method: method.toUpperCase(),
        path,
        summary: operation.summary ?? '',
        tags: operation.tags ?? [],
        deprecated: operation.deprecated === true,
        // Alternatives, each a list of scheme names; an empty alternative means "anonymous is fine".
        security: (operation.security ?? globalSecurity).map((requirement) => Object.keys(requirement)),
        parameters,
        requestBody: requestBody
          ? { required: requestBody.required === true, mediaTypes: Object.keys(content) }
          : undefined,
        // Schema defaults fill in on create only: a partial update must keep what it leaves out.
        fillBodyDefaults:
          operation['x-fill-defaults'] ??
          /^(create|register|add|issue|send|mint)/.test(operation.operationId),
        bodySchema: structuredType ? content[structuredType].schema : undefined,
        responses,
      });
    }
  }
  return operations;
}

function parameterGroup(operation, location) {
  const members = operation.parameters.filter((parameter) => parameter.in === location);
  return {
    type: 'object',
    properties: Object.fromEntries(members.map((member) => [member.name, member.schema])),
    required: members.filter((member) => member.required).map((member) => member.name),
  };
}

/** Ajv standalone code validating every operation's parameters and body, as one ES module. */
export function validatorsModule(document, operations) {
  const ajv = new Ajv2020({
    strict: false,
    allErrors: true,
    coerceTypes: 'array',
    useDefaults: true,
    keywords: ['example', 'xml', 'discriminator', 'externalDocs'],
    code: { source: true, esm: true, lines: false, formats: _`fullFormats` },
  });
  addFormats(ajv);
  const id = 'urn:music-apis:components';
  const plainId = 'urn:music-apis:components-without-defaults';
  ajv.addSchema({ $id: id, components: document.components ?? {} });
  ajv.addSchema({ $id: plainId, components: withoutDefaults(document.components ?? {}) });
  const exports = {};
  for (const operation of operations) {
    const params = {
      type: 'object',
      properties: {
        query: parameterGroup(operation, 'query'),
        path: parameterGroup(operation, 'path'),
        headers: parameterGroup(operation, 'header'),
      },
    };
    ajv.addSchema(absolutizeRefs(params, id), `${operation.operationId}Params`);
    exports[`${operation.operationId}Params`] = `${operation.operationId}Params`;
    if (operation.bodySchema) {
      const body = operation.fillBodyDefaults
        ? absolutizeRefs(operation.bodySchema, id)
        : absolutizeRefs(withoutDefaults(operation.bodySchema), plainId);
      ajv.addSchema(body, `${operation.operationId}Body`);
      exports[`${operation.operationId}Body`] = `${operation.operationId}Body`;
    }
  }
  let code = standalone(ajv, exports);
  code = code.replace(/require\("ajv\/dist\/runtime\/equal"\)\.default/g, 'deepEqual');
  code = code.replace(/require\("ajv\/dist\/runtime\/ucs2length"\)\.default/g, 'ucs2length');
  const left = /require\("[^"]+"\)/.exec(code);
  if (left)
    throw new Error(
      `${document.info.title}: validators need ${left[0]}; add it to spec/src/core/ajv-runtime.ts`,
    );
  const table = operations
    .map(
      (operation) =>
        `  ${operation.operationId}: { params: ${operation.operationId}Params, body: ${operation.bodySchema ? `${operation.operationId}Body` : 'undefined'} },`,
    )
    .join('\n');
  return `// @ts-nocheck
import { deepEqual, fullFormats, ucs2length } from '../core/ajv-runtime.js';
import type { OperationValidators } from '../core/request.js';
import type { OperationId } from './operations.gen.js';
${code.replace(/^"use strict";/, '')}

/** Precompiled request validators by operationId: parameters (query, path, headers) and body. */
export const validators: { readonly [Id in OperationId]: OperationValidators } = {
${table}
};
`;
}

/** The operation table as TypeScript. */
export function operationsModule(operations, document) {
  // openapi-typescript lists the operations of the document's `webhooks` (requests the API sends,
  // not serves) in \`operations\` too: they are no operation of the table.
  const webhookIds = Object.values(document.webhooks ?? {}).flatMap((pathItem) =>
    Object.values(pathItem).flatMap((operation) => (operation?.operationId ? [operation.operationId] : [])),
  );
  const operationId = webhookIds.length
    ? `Exclude<keyof operations, ${webhookIds.map((id) => JSON.stringify(id)).join(' | ')}>`
    : 'keyof operations';
  const entries = operations.map(({ bodySchema, parameters, ...operation }) => ({
    ...operation,
    parameters: parameters.map(({ schema, ...parameter }) => parameter),
  }));
  const body = entries.map((entry) => `  ${entry.operationId}: ${JSON.stringify(entry)},`).join('\n');
  return `import type { OperationSpec } from '../core/operation.js';
import type { operations } from './schema.gen.js';

/** Every operation of the document, by operationId, in document order. */
export const operationSpecs = {
${body}
} as const satisfies Record<OperationId, OperationSpec>;

/**
 * An operationId of the document. Named from the schema's \`operations\` (the same keys as the table),
 * so declaration files that only need the names, such as the SDK's, do not carry the table's type.
 */
export type OperationId = ${operationId};
`;
}
