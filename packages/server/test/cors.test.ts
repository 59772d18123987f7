import type { OpenApiDocument } from '@music-apis/spec';
import { documents } from '@music-apis/spec/documents';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_MODULES } from '../src/app.js';
import { loadConfig } from '../src/core/config.js';
import { corsHeaders, isAllowedOrigin } from '../src/core/http/cors.js';
import { PRODUCTION_ENV, startTestServer, type TestServer } from './helpers.js';

const API_KEY = 'adn_cors_test_key';
const APP = 'http://localhost:5173';

interface Parameter {
  name: string;
  in: string;
  $ref?: string;
}

const resolveRef = (document: OpenApiDocument, parameter: Parameter): Parameter =>
  parameter.$ref
    ? (parameter.$ref
        .slice(2)
        .split('/')
        .reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], document) as Parameter)
    : parameter;

const preflight = (url: string, origin: string, method: string, headers: string) =>
  fetch(url, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': headers },
  });

describe('CORS_ORIGINS', () => {
  it('defaults to local development origins, to none in production, and parses a list or *', () => {
    const development = loadConfig({}).corsOrigins;
    expect(development).toEqual({ allow: 'localhost' });
    for (const origin of [
      'http://localhost:5173',
      'https://localhost',
      'http://127.0.0.1:3000',
      'http://[::1]:8081',
    ])
      expect(isAllowedOrigin(development, origin)).toBe(true);
    for (const origin of ['https://app.example.com', 'http://localhost.example.com', 'null', 'file://'])
      expect(isAllowedOrigin(development, origin)).toBe(false);

    const production = loadConfig({ ...PRODUCTION_ENV }).corsOrigins;
    expect(production).toEqual({ allow: 'list', origins: [] });
    expect(isAllowedOrigin(production, 'http://localhost:5173')).toBe(false);

    const listed = loadConfig({
      CORS_ORIGINS: ' https://App.example.com/ , http://localhost:5173',
    }).corsOrigins;
    expect(listed).toEqual({ allow: 'list', origins: ['https://app.example.com', 'http://localhost:5173'] });
    expect(isAllowedOrigin(listed, 'https://app.example.com')).toBe(true);
    expect(isAllowedOrigin(listed, 'http://localhost:3000')).toBe(false);

    expect(loadConfig({ CORS_ORIGINS: '*', ...PRODUCTION_ENV }).corsOrigins).toEqual({ allow: 'any' });
    expect(() => loadConfig({ CORS_ORIGINS: 'https://app.example.com/path' })).toThrow(/CORS_ORIGINS/);
    expect(() => loadConfig({ CORS_ORIGINS: 'app.example.com' })).toThrow(/CORS_ORIGINS/);
  });

  it('allows every header the documents declare and exposes the response headers clients read', () => {
    const { allow, expose } = corsHeaders(Object.values(documents));
    expect(allow).toEqual(
      expect.arrayContaining(['authorization', 'content-type', 'token', 'x-tenant', 'range', 'x-request-id']),
    );
    expect(expose).toEqual(
      expect.arrayContaining([
        'x-request-id',
        'retry-after',
        'content-range',
        'www-authenticate',
        'location',
      ]),
    );
    expect(expose).not.toContain('set-cookie');
  });
});

describe('CORS on the server (development default)', () => {
  let test: TestServer;
  beforeAll(async () => {
    const defaults = loadConfig({});
    test = await startTestServer({ collections: { ...defaults.collections, apiKey: API_KEY } });
  });
  afterAll(() => test?.stop());

  it('answers an allowed origin with CORS headers, and a refused one without', async () => {
    const allowed = await fetch(`${test.baseUrl}/api/token`, { method: 'POST', headers: { origin: APP } });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(APP);
    expect(allowed.headers.get('access-control-expose-headers')).toContain('x-request-id');
    expect(allowed.headers.get('vary')).toMatch(/origin/i);

    const refused = await fetch(`${test.baseUrl}/api/token`, {
      method: 'POST',
      headers: { origin: 'https://evil.example' },
    });
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    const refusedPreflight = await preflight(`${test.baseUrl}/api/token`, 'https://evil.example', 'POST', '');
    expect(refusedPreflight.headers.get('access-control-allow-origin')).toBeNull();

    // No Origin (curl, Node): no CORS headers at all, but caches still learn the answer depends on one.
    const plain = await fetch(`${test.baseUrl}/api/token`, { method: 'POST' });
    expect(plain.headers.get('access-control-allow-origin')).toBeNull();
    expect(plain.headers.get('access-control-allow-credentials')).toBeNull();
    expect(plain.headers.get('vary')).toMatch(/origin/i);
  });

  it('answers the preflight of every operation of every served API, with the headers it takes', async () => {
    let checked = 0;
    for (const [key, module] of Object.entries(API_MODULES)) {
      if (!module) continue;
      const document = documents[key as keyof typeof documents];
      for (const [template, item] of Object.entries(document.paths)) {
        for (const [method, operation] of Object.entries(item)) {
          if (!['get', 'put', 'post', 'patch', 'delete'].includes(method)) continue;
          const parameters = [
            ...((item.parameters as Parameter[] | undefined) ?? []),
            ...(((operation as { parameters?: Parameter[] }).parameters ?? []) as Parameter[]),
          ].map((parameter) => resolveRef(document, parameter));
          const headers = [
            'authorization',
            'content-type',
            'x-request-id',
            ...parameters.filter((p) => p.in === 'header').map((p) => p.name.toLowerCase()),
          ];
          if (key === 'trackManager') headers.push('token');
          const path = template.replace(/\{[^}]+\}/g, 'x1');
          const upper = method.toUpperCase();
          const response = await preflight(`${test.baseUrl}${path}`, APP, upper, headers.join(', '));
          const label = `${key} ${upper} ${template}`;
          expect(response.status, label).toBe(204);
          expect(response.headers.get('access-control-allow-origin'), label).toBe(APP);
          expect(response.headers.get('access-control-allow-methods'), label).toContain(upper);
          const allowed = response.headers.get('access-control-allow-headers')!.split(',');
          for (const header of headers) expect(allowed, label).toContain(header);
          checked += 1;
        }
      }
    }
    expect(checked).toBeGreaterThan(30);
  });

  it('lets a browser app PUT to a signed upload URL: preflight, then the upload with CORS headers', async () => {
    const auth = { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', origin: APP };
    const collection = await fetch(`${test.baseUrl}/v1/collection`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ title: 'CORS' }),
    }).then((r) => r.json());
    const created = await fetch(`${test.baseUrl}/v1/track`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ collection_id: collection.collection_id, file_name: 'a.wav' }),
    }).then((r) => r.json());
    const uploadUrl: string = created.track_upload.upload_url;
    expect(new URL(uploadUrl).pathname).toMatch(/^\/v1\/upload\/track\//);

    const answer = await preflight(uploadUrl, APP, 'PUT', 'content-type');
    expect(answer.status).toBe(204);
    expect(answer.headers.get('access-control-allow-origin')).toBe(APP);
    expect(answer.headers.get('access-control-allow-methods')).toContain('PUT');
    expect(answer.headers.get('access-control-max-age')).toBe('600');

    // An error answer (here: bad signature) is readable too, with its request id exposed.
    const refused = await fetch(uploadUrl.replace(/signature=[0-9a-f]+/, `signature=${'0'.repeat(64)}`), {
      method: 'PUT',
      headers: { origin: APP, 'content-type': 'audio/wav' },
      body: new Uint8Array(8),
    });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBe(APP);
    expect(refused.headers.get('access-control-expose-headers')).toContain('x-request-id');
  });

  it('adds CORS headers to the JSON 404 of a path no API owns', async () => {
    const response = await fetch(`${test.baseUrl}/nowhere`, { headers: { origin: APP } });
    expect(response.status).toBe(404);
    expect(response.headers.get('access-control-allow-origin')).toBe(APP);
  });
});

describe('CORS on the server (production default and explicit lists)', () => {
  it('allows no origin in production unless CORS_ORIGINS lists it', async () => {
    const production = await startTestServer({
      corsOrigins: loadConfig({ ...PRODUCTION_ENV }).corsOrigins,
      devEndpoints: false,
    });
    try {
      const response = await preflight(`${production.baseUrl}/api/token`, APP, 'POST', 'content-type');
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      const simple = await fetch(`${production.baseUrl}/api/token`, {
        method: 'POST',
        headers: { origin: APP },
      });
      expect(simple.status).toBe(200);
      expect(simple.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await production.stop();
    }

    const listed = await startTestServer({
      corsOrigins: loadConfig({ ...PRODUCTION_ENV, CORS_ORIGINS: 'https://app.example.com' }).corsOrigins,
    });
    try {
      const ok = await preflight(
        `${listed.baseUrl}/api/token`,
        'https://app.example.com',
        'POST',
        'content-type',
      );
      expect(ok.status).toBe(204);
      expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
      expect(ok.headers.get('access-control-allow-credentials')).toBe('true');
      const other = await preflight(`${listed.baseUrl}/api/token`, APP, 'POST', 'content-type');
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await listed.stop();
    }
  });

  it('with CORS_ORIGINS=* allows any origin, without credentials', async () => {
    const any = await startTestServer({ corsOrigins: loadConfig({ CORS_ORIGINS: '*' }).corsOrigins });
    try {
      const response = await preflight(
        `${any.baseUrl}/v1/songs`,
        'https://anywhere.example',
        'GET',
        'authorization',
      );
      expect(response.status).toBe(204);
      expect(response.headers.get('access-control-allow-origin')).toBe('https://anywhere.example');
      expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    } finally {
      await any.stop();
    }
  });
});
