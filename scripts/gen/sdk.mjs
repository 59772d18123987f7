// The SDK's generated methods for one OpenAPI document (see scripts/gen.mjs):
//   packages/sdk/src/<api>/client.gen.ts   one method per operation, named by operationId
// The types come from @music-apis/spec/<api> (type-only imports: no runtime bytes). The code inlines
// only what a request needs (method, path, query/header names and styles, security, media types),
// not the spec's operation table, so an app's bundle stays small.

/** `track-manager` -> `TrackManager`, `createTrack` -> `CreateTrack`. */
const pascal = (text) => text.replace(/(^|-)([a-z])/g, (_m, _dash, c) => c.toUpperCase());

const isIdentifier = (name) => /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name);
const propertyKey = (name) => (isIdentifier(name) ? name : `'${name}'`);
const quote = (text) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

function resolveRef(document, value) {
  let current = value;
  while (current && typeof current.$ref === 'string') {
    const pointer = current.$ref.replace(/^#\//, '').split('/');
    current = pointer.reduce((node, key) => node?.[key.replace(/~1/g, '/').replace(/~0/g, '~')], document);
  }
  return current;
}

/** A TSDoc block, indented, from paragraphs (empty ones dropped). */
function tsdoc(paragraphs, indent) {
  const lines = paragraphs
    .filter((paragraph) => paragraph && paragraph.trim() !== '')
    .map((paragraph) => paragraph.trim().replace(/\*\//g, '*\\/'))
    .flatMap((paragraph, index) => [...(index > 0 ? [''] : []), ...paragraph.split('\n')]);
  if (lines.length === 0) return '';
  if (lines.length === 1) return `${indent}/** ${lines[0]} */\n`;
  return `${indent}/**\n${lines.map((line) => `${indent} *${line ? ` ${line}` : ''}`).join('\n')}\n${indent} */\n`;
}

const isJson = (media) => /[/+]json\b/i.test(media);
const isSuccess = (status) => /^2(\d\d|XX)$/.test(status);
const isError = (status) => status === 'default' || /^[45](\d\d|XX)$/.test(status);
/** openapi-typescript keys: `200`, `'4XX'`, `'default'`. */
const statusKey = (status) => (/^\d+$/.test(status) ? status : `'${status}'`);
const statusType = (status) => (/^\d+$/.test(status) ? status : 'number');

/**
 * How the SDK reads one success media type:
 * - JSON, and any other media whose schema is not a string (the track manager's token answers
 *   `text/plain` with a JSON object), is parsed;
 * - `text/event-stream` is handed over as the unread body stream;
 * - a string schema with `contentMediaType`/`format: binary`/`contentEncoding` is bytes;
 * - any other string (`text/*`, an m3u8 playlist) is text.
 */
function responseFormat(media, schema) {
  if (isJson(media)) return 'json';
  if (media === 'text/event-stream') return 'stream';
  const type = schema?.type;
  const isString = type === 'string' || (Array.isArray(type) && type.includes('string'));
  if (schema && !isString && (type !== undefined || schema.$ref || schema.oneOf || schema.allOf))
    return 'json';
  if (schema?.contentMediaType || schema?.contentEncoding || schema?.format === 'binary') return 'bytes';
  if (media.startsWith('text/') || isString) return 'text';
  return 'bytes';
}

/** The media type a request body is sent as: JSON first, then form, multipart, then raw bytes. */
function requestMedia(mediaTypes) {
  return (
    mediaTypes.find(isJson) ??
    mediaTypes.find((media) => media === 'application/x-www-form-urlencoded') ??
    mediaTypes.find((media) => media.startsWith('multipart/')) ??
    mediaTypes.find((media) => !media.includes('*')) ??
    'application/octet-stream'
  );
}

/**
 * Header parameters that a security scheme of the operation sends (the track manager documents
 * its `Token` header as a parameter too): the client's credentials fill them, so they are not
 * arguments.
 */
function credentialHeaders(document, operation) {
  const schemes = document.components?.securitySchemes ?? {};
  const names = new Set();
  for (const scheme of operation.security.flat()) {
    const definition = resolveRef(document, schemes[scheme]);
    if (definition?.type === 'apiKey' && definition.in === 'header') names.add(definition.name.toLowerCase());
    if (
      definition?.type === 'http' ||
      definition?.type === 'oauth2' ||
      definition?.type === 'openIdConnect'
    ) {
      names.add('authorization');
    }
  }
  return names;
}

function methodSource(document, operation) {
  const id = operation.operationId;
  const Id = pascal(id);
  const op = `operations['${id}']`;
  const raw = resolveRef(document, document.paths[operation.path])[operation.method.toLowerCase()];
  const rawParameters = [
    ...(resolveRef(document, document.paths[operation.path]).parameters ?? []),
    ...(raw.parameters ?? []),
  ].map((parameter) => resolveRef(document, parameter));
  const describe = (name, location) =>
    rawParameters.find((parameter) => parameter.name === name && parameter.in === location)?.description;

  // Arguments: path, query and header parameters by name, then `body`.
  const skipHeaders = credentialHeaders(document, operation);
  const parameters = operation.parameters.filter(
    (parameter) =>
      parameter.in !== 'cookie' &&
      !(parameter.in === 'header' && skipHeaders.has(parameter.name.toLowerCase())),
  );
  const seen = new Set();
  for (const parameter of parameters) {
    if (seen.has(parameter.name) || parameter.name === 'body') {
      throw new Error(`${id}: two arguments named "${parameter.name}"; the SDK cannot flatten them`);
    }
    seen.add(parameter.name);
  }
  const members = parameters.map((parameter) => ({
    doc: describe(parameter.name, parameter.in),
    text: `${propertyKey(parameter.name)}${parameter.required ? '' : '?'}: NonNullable<${op}['parameters']['${parameter.in}']>['${parameter.name}'];`,
    required: parameter.required,
  }));
  let bodyMedia;
  if (operation.requestBody) {
    const requestBody = resolveRef(document, raw.requestBody);
    bodyMedia = requestMedia(operation.requestBody.mediaTypes);
    const type =
      isJson(bodyMedia) || bodyMedia === 'application/x-www-form-urlencoded'
        ? `NonNullable<${op}['requestBody']>['content']['${bodyMedia}']`
        : bodyMedia.startsWith('multipart/')
          ? 'FormData'
          : 'BinaryBody';
    const sentAs =
      type === 'BinaryBody'
        ? `Sent as \`${bodyMedia}\` unless a \`content-type\` header or the Blob's type says otherwise.`
        : '';
    members.push({
      doc: [requestBody.description, sentAs].filter(Boolean).join('\n\n'),
      text: `body${operation.requestBody.required ? '' : '?'}: ${type};`,
      required: operation.requestBody.required,
    });
  }
  const binary = members.some((member) => member.text.includes('BinaryBody'));
  const paramsType =
    members.length === 0
      ? `export type ${Id}Params = Record<string, never>;\n`
      : `export interface ${Id}Params {\n${members.map((member) => `${tsdoc([member.doc], '  ')}  ${member.text}`).join('\n')}\n}\n`;
  const argsOptional = !members.some((member) => member.required);

  // The result: every documented 2xx, read as its media type says.
  const responses = Object.entries(raw.responses ?? {}).map(([status, response]) => [
    status,
    resolveRef(document, response),
  ]);
  const successes = responses.filter(([status]) => isSuccess(status));
  const withContent = successes.filter(([, response]) => Object.keys(response.content ?? {}).length > 0);
  let format = 'none';
  let accept;
  const resultTypes = [];
  if (withContent.length > 0) {
    const [, first] = withContent[0];
    const media = Object.keys(first.content);
    format = responseFormat(media[0], resolveRef(document, first.content[media[0]].schema));
    const accepted = [...new Set(withContent.flatMap(([, response]) => Object.keys(response.content)))];
    if (!(format === 'json' && accepted.length === 1 && accepted[0] === 'application/json')) {
      accept = accepted.join(', ');
    }
    for (const [status, response] of successes) {
      const content = Object.keys(response.content ?? {});
      if (content.length === 0) resultTypes.push(format === 'json' ? 'undefined' : 'void');
      else if (format === 'json') {
        resultTypes.push(
          ...content.map((media) => `${op}['responses'][${statusKey(status)}]['content']['${media}']`),
        );
      } else
        resultTypes.push(
          { text: 'string', bytes: 'Uint8Array', stream: 'ReadableStream<Uint8Array>' }[format],
        );
    }
  } else resultTypes.push('void');
  const resultType = [...new Set(resultTypes)].join(' | ');

  // Errors: one `ApiError` per documented error status, its body typed by that status's schema.
  const errors = responses.filter(([status]) => isError(status));
  const errorTypes = errors.map(([status, response]) => {
    const content = Object.keys(response.content ?? {});
    const media = content.find(isJson) ?? content[0];
    const body = media ? `${op}['responses'][${statusKey(status)}]['content']['${media}']` : 'undefined';
    return `ApiError<${body}, ${statusType(status)}>`;
  });
  const errorType = errorTypes.length > 0 ? errorTypes.join('\n  | ') : 'ApiError';

  const httpLine = `\`${operation.method} ${operation.path}\``;
  const errorStatuses = errors.map(([status]) => status).join(', ');
  const methodDoc = tsdoc(
    [
      raw.summary,
      raw.description,
      httpLine,
      operation.security.length === 0 ? 'Public: no credentials are sent.' : '',
      errors.length > 0 ? `Fails with {@link ${Id}Error} (${errorStatuses}).` : '',
      operation.deprecated ? '@deprecated' : '',
    ],
    '  ',
  );

  const route = [`method: '${operation.method}'`, `path: ${quote(operation.path)}`];
  const query = parameters.filter((parameter) => parameter.in === 'query');
  if (query.length > 0) {
    const separator = (parameter) =>
      !parameter.array || parameter.explode
        ? '&'
        : ({ form: ',', spaceDelimited: ' ', pipeDelimited: '|' }[parameter.style] ?? ',');
    route.push(
      `query: { ${query.map((parameter) => `${propertyKey(parameter.name)}: '${separator(parameter)}'`).join(', ')} }`,
    );
  }
  const header = parameters.filter((parameter) => parameter.in === 'header');
  if (header.length > 0)
    route.push(`header: [${header.map((parameter) => quote(parameter.name)).join(', ')}]`);
  route.push(`security: ${JSON.stringify(operation.security).replace(/"/g, "'")}`);
  if (bodyMedia) route.push(`body: ${quote(bodyMedia)}`);
  if (format !== 'json') route.push(`response: '${format}'`);
  if (accept) route.push(`accept: ${quote(accept)}`);

  return {
    types: `${tsdoc([`Arguments of \`${id}\` (${httpLine}).`], '')}${paramsType}
${tsdoc([`What \`${id}\` resolves to.`], '')}export type ${Id}Result = ${resultType};

${tsdoc([`The errors \`${id}\` documents, one per status: \`isApiError<${Id}Error>(error)\`, then \`error.status\` narrows \`error.body\`.`], '')}export type ${Id}Error =\n  | ${errorType};
`,
    signature: `${methodDoc}  ${id}(args${argsOptional ? '?' : ''}: ${Id}Params, options?: CallOptions): ApiPromise<${Id}Result>;`,
    implementation: `    ${id}: (args, options) => call({ ${route.join(', ')} }, ${binary ? (operation.requestBody.required ? '{ ...args, body: toBodyInit(args.body) }' : 'args && { ...args, body: args.body && toBodyInit(args.body) }') : 'args'}, options),`,
    usesBinary: binary,
  };
}

/** `packages/sdk/src/<api>/client.gen.ts` for one document. */
export function sdkMethodsModule(document, operations, { name, key }) {
  const Api = pascal(name);
  const schemes = Object.keys(document.components?.securitySchemes ?? {});
  const methods = operations.map((operation) => methodSource(document, operation));
  const schemaNames = new Set(Object.keys(document.components?.schemas ?? {}));
  for (const operation of operations) {
    for (const suffix of ['Params', 'Result', 'Error']) {
      const typeName = `${pascal(operation.operationId)}${suffix}`;
      if (schemaNames.has(typeName))
        throw new Error(`${name}: ${typeName} is both a schema and a generated type`);
    }
  }
  const coreTypes = [
    'ApiError',
    'ApiPromise',
    ...(methods.some((m) => m.usesBinary) ? ['BinaryBody'] : []),
    'CallOptions',
    'HttpClient',
  ];
  return `import type { operations } from '@music-apis/spec/${name}';
import { ${coreTypes.map((type) => `type ${type}`).join(', ')}, operationCaller${methods.some((m) => m.usesBinary) ? ', toBodyInit' : ''} } from '../core/index.js';

${tsdoc([`The security schemes of ${document.info.title}: the keys of the client's \`credentials\`.`], '')}export type ${Api}SecurityScheme = ${schemes.length > 0 ? schemes.map((scheme) => `'${scheme}'`).join(' | ') : 'never'};

${methods.map((method) => method.types).join('\n')}
${tsdoc([`Every operation of ${document.info.title}, one method each, named by operationId.`], '')}export interface ${Api}Methods {
${methods.map((method) => method.signature).join('\n\n')}
}

${tsdoc([`The ${document.info.title} methods, sending through \`http\`.`], '')}export function ${key}Methods(http: HttpClient): ${Api}Methods {
  const call = operationCaller(http);
  return {
${methods.map((method) => method.implementation).join('\n')}
  };
}
`;
}
