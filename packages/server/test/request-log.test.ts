import { stripVTControlCharacters } from 'node:util';
import { demoCatalog } from '@music-apis/catalog';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../src/core/config.js';
import { isSecretParameter, redactQuery } from '../src/core/http/request-log.js';
import { createLogger } from '../src/core/logger.js';
import { startTestServer, type TestServer } from './helpers.js';

/** The log as the server writes it: one JSON object per line. */
function captureLog(level: string, format: 'json' | 'pretty' = 'json') {
  const lines: string[] = [];
  const logger = createLogger(level, { format, destination: { write: (line: string) => lines.push(line) } });
  const all = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  // Request lines only: the services log on the same logger (e.g. a job that found no audio).
  const requests = () => all().filter((entry) => 'method' in entry && 'ms' in entry);
  return { logger, lines, entries: requests };
}

/** The line is written when the response has finished, which can be just after the client has it. */
const linesWritten = (log: { entries(): unknown[] }, count: number) =>
  vi.waitFor(() => expect(log.entries().length).toBeGreaterThanOrEqual(count), {
    timeout: 5000,
    interval: 5,
  });

const API_KEY = 'adn_request_log_test_key';
const ISRC = demoCatalog.trackAt(1).isrc;

describe('query redaction', () => {
  it('redacts values of secret-looking parameters, keeps the others as sent', () => {
    for (const name of [
      'token',
      'access_token',
      'refreshToken',
      'client_secret',
      'signature',
      'X-Amz-Signature',
    ])
      expect(isSecretParameter(name), name).toBe(true);
    for (const name of [
      'password',
      'api_key',
      'apiKey',
      'code',
      'nonce',
      'X-Amz-Credential',
      'sig',
      'verify',
    ])
      expect(isSecretParameter(name), name).toBe(true);
    for (const name of ['keyword', 'expires', 'isrc', 'page', 'sortOrder', 'q', 'email'])
      expect(isSecretParameter(name), name).toBe(false);
    expect(redactQuery('expires=1767229200&nonce=9f1c&signature=8d1f')).toBe(
      'expires=1767229200&nonce=[redacted]&signature=[redacted]',
    );
    expect(redactQuery('keyword=a%20b&access%5Ftoken=xyz&flag')).toBe(
      'keyword=a%20b&access%5Ftoken=[redacted]&flag',
    );
  });
});

describe('request log', () => {
  const log = captureLog('info');
  let test: TestServer;
  beforeAll(async () => {
    const defaults = loadConfig({});
    test = await startTestServer(
      { collections: { ...defaults.collections, apiKey: API_KEY } },
      { logger: log.logger },
    );
  });
  afterAll(() => test?.stop());
  beforeEach(() => {
    log.lines.length = 0;
  });

  it('writes one line per request: method, path, status, ms, request id, API and operation', async () => {
    const response = await fetch(`${test.baseUrl}/api/track/metadata/${ISRC}`, {
      headers: {
        'x-request-id': 'log-test-1',
        authorization: 'Bearer very-secret',
        token: 'Bearer tkn-secret',
      },
    });
    expect(response.status).toBe(200);
    await linesWritten(log, 1);
    expect(log.entries()).toEqual([
      expect.objectContaining({
        level: 30,
        requestId: 'log-test-1',
        method: 'GET',
        path: `/api/track/metadata/${ISRC}`,
        status: 200,
        ms: expect.any(Number),
        api: 'trackManager',
        operationId: 'getTrackMetadata',
        msg: expect.stringMatching(new RegExp(`^GET /api/track/metadata/${ISRC} 200 [\\d.]+ms$`)),
      }),
    ]);
    expect(log.lines.join('')).not.toMatch(/very-secret|tkn-secret|authorization/i);
  });

  it('replaces a request id that is not a plain token with a new UUID, in the answer and the line', async () => {
    const response = await fetch(`${test.baseUrl}/api/track/metadata/${ISRC}`, {
      headers: { 'x-request-id': 'forged id" level=50' },
    });
    const requestId = response.headers.get('x-request-id');
    expect(requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    await linesWritten(log, 1);
    expect(log.entries()).toEqual([expect.objectContaining({ requestId, status: 200, level: 30 })]);
  });

  it('redacts the signed upload URL query and never logs credentials', async () => {
    const auth = { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' };
    const collection = await fetch(`${test.baseUrl}/v1/collection`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ title: 'Log' }),
    }).then((r) => r.json());
    const created = await fetch(`${test.baseUrl}/v1/track`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ collection_id: collection.collection_id, file_name: 'a.wav' }),
    }).then((r) => r.json());
    const uploadUrl = new URL(created.track_upload.upload_url as string);
    log.lines.length = 0;
    await fetch(uploadUrl, {
      method: 'PUT',
      headers: { 'content-type': 'audio/wav' },
      body: new Uint8Array(4),
    });
    await fetch(`${test.baseUrl}/nowhere?access_token=abc123secret&keyword=jazz`);
    await linesWritten(log, 2);

    const [upload, unknown] = log.entries();
    expect(upload).toMatchObject({
      method: 'PUT',
      path: uploadUrl.pathname,
      query: `expires=${uploadUrl.searchParams.get('expires')}&nonce=[redacted]&signature=[redacted]`,
      api: 'collections',
      operationId: 'uploadTrackAudio',
    });
    expect(unknown).toMatchObject({
      path: '/nowhere',
      query: 'access_token=[redacted]&keyword=jazz',
      status: 404,
    });
    expect(unknown).not.toHaveProperty('api');
    const text = log.lines.join('');
    expect(text).not.toContain(uploadUrl.searchParams.get('signature')!);
    expect(text).not.toContain(uploadUrl.searchParams.get('nonce')!);
    expect(text).not.toContain('abc123secret');
    expect(text).not.toContain(API_KEY);
  });

  it('logs a request whose client went away before the answer as aborted', async () => {
    const client = new AbortController();
    // A JSON body that never ends: the server is still reading it when the client goes away.
    const body = new ReadableStream({
      start: (controller) => controller.enqueue(new TextEncoder().encode('{')),
    });
    const sent = fetch(`${test.baseUrl}/v1/collection`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body,
      duplex: 'half',
      signal: client.signal,
    } as RequestInit).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 100));
    client.abort();
    await sent;
    await linesWritten(log, 1);
    expect(log.entries()).toEqual([
      expect.objectContaining({ method: 'POST', path: '/v1/collection', aborted: true, level: 30 }),
    ]);
    expect(log.entries()[0]!.msg).toMatch(/\(aborted\)$/);
  });

  it("logs preflights and namespace 404s with the path's API, and health probes only at debug", async () => {
    await fetch(`${test.baseUrl}/healthz`);
    await fetch(`${test.baseUrl}/v1/upload/track/x1`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'PUT' },
    });
    await fetch(`${test.baseUrl}/v1/songs/a/b/c`);
    await linesWritten(log, 2);
    const entries = log.entries();
    expect(entries).toHaveLength(2);
    expect(entries[0]).toMatchObject({ method: 'OPTIONS', status: 204, api: 'collections' });
    expect(entries[0]).not.toHaveProperty('operationId');
    expect(entries[1]).toMatchObject({ method: 'GET', status: 404, api: 'songs' });
  });
});

describe('request log output', () => {
  it('stays quiet at LOG_LEVEL=silent (the tests) and pretty-prints one line in a terminal', async () => {
    const silent = captureLog('silent');
    const pretty = captureLog('info', 'pretty');
    for (const { logger } of [silent, pretty]) {
      const test = await startTestServer({}, { logger });
      try {
        await fetch(`${test.baseUrl}/api/token`, { method: 'POST', headers: { 'x-request-id': 'pretty-1' } });
      } finally {
        await test.stop(); // after in-flight responses have finished, and so been logged
      }
    }
    expect(silent.lines).toEqual([]);
    // A machine without ffmpeg warns about it once at start: that is not a request line.
    const plain = stripVTControlCharacters(pretty.lines.join('')).replace(
      /^\[[^\]]+\] WARN: ffmpeg is not available.*\n(?: {4}.*\n)*/,
      '',
    );
    expect(plain).toMatch(
      /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: POST \/api\/token 200 [\d.]+ms trackManager\.getToken \[pretty-1\]\n$/,
    );
  });
});
