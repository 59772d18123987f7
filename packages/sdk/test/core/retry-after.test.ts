import { describe, expect, it } from 'vitest';
import { createHttpClient } from '../../src/core/index.js';
import { sendJson, startServer } from './test-server.js';

/** Node timers may fire a millisecond or so early relative to the clock measuring them. */
const TIMER_SLACK_MS = 5;

/** Backoff so short that any wait seen below must come from Retry-After. */
const retry = { limit: 1, delay: () => 1 };

// Concurrent: these tests spend their time waiting, and each has its own server.
describe.concurrent('Retry-After', () => {
  it('waits the number of seconds given before retrying', async (context) => {
    const server = await startServer(context, (_request, response, attempt) =>
      attempt === 1
        ? sendJson(response, 503, {}, { 'retry-after': '1' })
        : sendJson(response, 200, { ok: true }),
    );
    const client = createHttpClient({ baseUrl: server.baseUrl, retry });

    await expect(client.request({ method: 'GET', path: '/busy' })).resolves.toEqual({ ok: true });

    const [first, second] = server.requests;
    expect(server.requests).toHaveLength(2);
    expect((second?.receivedAt ?? 0) - (first?.receivedAt ?? 0)).toBeGreaterThanOrEqual(
      1000 - TIMER_SLACK_MS,
    );
  });

  it('waits until an HTTP date', async (context) => {
    // HTTP dates have whole-second precision: aim at least one full second ahead.
    const retryAt = Math.ceil(Date.now() / 1000) * 1000 + 1000;
    let retriedAt = 0;
    const server = await startServer(context, (_request, response, attempt) => {
      if (attempt === 1)
        return sendJson(response, 429, {}, { 'retry-after': new Date(retryAt).toUTCString() });
      retriedAt = Date.now();
      sendJson(response, 200, {});
    });
    const client = createHttpClient({ baseUrl: server.baseUrl, retry });

    await client.request({ method: 'GET', path: '/limited' });

    expect(server.requests).toHaveLength(2);
    expect(retriedAt).toBeGreaterThanOrEqual(retryAt - TIMER_SLACK_MS);
  });

  it('caps the wait at maxRetryAfter', async (context) => {
    const server = await startServer(context, (_request, response, attempt) =>
      attempt === 1 ? sendJson(response, 503, {}, { 'retry-after': '3600' }) : sendJson(response, 200, {}),
    );
    const client = createHttpClient({ baseUrl: server.baseUrl, retry: { ...retry, maxRetryAfter: 50 } });

    await client.request({ method: 'GET', path: '/busy' });

    const [first, second] = server.requests;
    expect(server.requests).toHaveLength(2);
    expect((second?.receivedAt ?? 0) - (first?.receivedAt ?? 0)).toBeGreaterThanOrEqual(50 - TIMER_SLACK_MS);
  });

  it('stops waiting as soon as the caller aborts', async (context) => {
    const controller = new AbortController();
    const server = await startServer(context, (_request, response) => {
      sendJson(response, 503, {}, { 'retry-after': '3600' });
      setTimeout(() => controller.abort(), 20); // while the client waits for its retry
    });
    const client = createHttpClient({ baseUrl: server.baseUrl, retry });

    // Would hang for an hour (and time the test out) if the wait ignored the signal.
    await expect(
      client.request({ method: 'GET', path: '/busy', signal: controller.signal }),
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect(server.requests).toHaveLength(1);
  });
});
