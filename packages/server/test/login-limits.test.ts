import { randomUUID } from 'node:crypto';
import { SONGS_DEMO_LOGIN } from '@music-apis/catalog';
import { SONGS_JOIN_CODE_LIMITS, SONGS_LOGIN_LIMITS } from '@music-apis/domain';
import { afterEach, describe, expect, it } from 'vitest';
import { hashPassword, PASSWORD_HASHING } from '../src/core/auth/index.js';
import type { ServerConfig } from '../src/core/config.js';
import { createSongsRepository } from '../src/songs/repository.js';
import { startTestServer, type TestServer } from './helpers.js';

/** The songs API's login and join-code limits, as a client (or an attacker) meets them over HTTP. */

const started: TestServer[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((server) => server.stop()));
});
async function start(overrides: Partial<ServerConfig> = {}, keepData?: string) {
  const server = await startTestServer({ ...overrides, ...(keepData ? { dataDir: keepData } : {}) });
  started.push(server);
  return server;
}

interface Answer {
  status: number;
  retryAfter: string | null;
  body: { code?: number; description?: string; cause?: string } | undefined;
}

async function login(
  baseUrl: string,
  credentials: { email: string; password: string },
  forwardedFor?: string,
): Promise<Answer> {
  const response = await fetch(`${baseUrl}/v1/auth/login`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}),
    },
    body: JSON.stringify(credentials),
  });
  const text = await response.text();
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    body: text ? JSON.parse(text) : undefined,
  };
}

async function askCode(baseUrl: string, email: string, forwardedFor?: string): Promise<Answer> {
  const response = await fetch(`${baseUrl}/v1/auth/code?email=${encodeURIComponent(email)}`, {
    headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {},
  });
  const text = await response.text();
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    body: text ? JSON.parse(text) : undefined,
  };
}

const countBy = (answers: Answer[]) =>
  answers.reduce<Record<number, number>>((counts, { status }) => {
    counts[status] = (counts[status] ?? 0) + 1;
    return counts;
  }, {});

const wrong = { email: SONGS_DEMO_LOGIN.email, password: 'Wrong1234' };

describe('songs login limits', () => {
  it('100 concurrent wrong-password logins for one email: only 5 are checked, the rest are 429', async () => {
    const { baseUrl } = await start();
    const answers = await Promise.all(Array.from({ length: 100 }, () => login(baseUrl, wrong)));
    expect(countBy(answers)).toEqual({ 401: SONGS_LOGIN_LIMITS.perEmail, 429: 95 });
    for (const answer of answers.filter(({ status }) => status === 429)) {
      expect(Number(answer.retryAfter)).toBeGreaterThan(0);
      expect(answer.body).toMatchObject({ code: 429, description: 'Too Many Requests' });
    }
    // The right password is refused too while the email is locked.
    expect((await login(baseUrl, SONGS_DEMO_LOGIN)).status).toBe(429);
  });

  it('a success clears the email and does not count against the address', async () => {
    const { baseUrl } = await start();
    for (let round = 0; round < 3; round++) {
      for (let n = 0; n < SONGS_LOGIN_LIMITS.perEmail - 1; n++)
        expect((await login(baseUrl, wrong)).status).toBe(401);
      expect((await login(baseUrl, SONGS_DEMO_LOGIN)).status).toBe(200);
    }
    // 12 failures and 3 successes from this address so far: 38 more failures are allowed, not 35.
    const others = Array.from({ length: 38 }, (_, n) => ({ email: `nobody${n}@example.com`, password: 'x' }));
    expect(countBy(await Promise.all(others.map((other) => login(baseUrl, other))))).toEqual({ 404: 38 });
    expect((await login(baseUrl, { email: 'one-more@example.com', password: 'x' })).status).toBe(429);
  });

  it('forged X-Forwarded-For addresses do not escape the per-address limit (TRUST_PROXY off)', async () => {
    const { baseUrl } = await start();
    const answers: Answer[] = [];
    for (let n = 0; n < 60; n++) {
      answers.push(
        await login(
          baseUrl,
          { email: `guess${n}@example.com`, password: 'x' },
          `203.0.113.${n}, 10.0.0.${n}`,
        ),
      );
    }
    expect(countBy(answers)).toEqual({ 404: SONGS_LOGIN_LIMITS.perAddress, 429: 10 });
  });

  it('with TRUST_PROXY the address the proxy saw is the one limited, whatever the client prepends', async () => {
    const { baseUrl } = await start({ trustProxy: 1 });
    // A proxy appends the address it saw to what the client sent: only the last entry is its word.
    for (let n = 0; n < SONGS_LOGIN_LIMITS.perAddress; n++) {
      const answer = await login(
        baseUrl,
        { email: `a${n}@example.com`, password: 'x' },
        `10.9.9.${n}, 203.0.113.7`,
      );
      expect(answer.status).toBe(404);
    }
    expect(
      (await login(baseUrl, { email: 'a@example.com', password: 'x' }, '10.8.8.8, 203.0.113.7')).status,
    ).toBe(429);
    // Another client behind the same proxy is not locked out.
    expect((await login(baseUrl, { email: 'b@example.com', password: 'x' }, '203.0.113.8')).status).toBe(404);
  });

  it('a lockout survives a restart (the limits live in the database)', async () => {
    const first = await start();
    for (let n = 0; n < SONGS_LOGIN_LIMITS.perEmail; n++)
      expect((await login(first.baseUrl, wrong)).status).toBe(401);
    await first.server.close();
    started.splice(started.indexOf(first), 1);
    const second = await start({}, first.dataDir);
    expect((await login(second.baseUrl, SONGS_DEMO_LOGIN)).status).toBe(429);
  });

  it('a flood of logins beyond the hashing queue gets 503 with Retry-After, and nothing is counted for it', async () => {
    const { baseUrl, server } = await start({ trustProxy: 1 });
    const password = 'Secret123';
    const passwordHash = await hashPassword(password);
    const repository = createSongsRepository(server.db);
    const users = Array.from({ length: 60 }, (_, n) => `flood${n}@example.com`);
    for (const email of users) {
      await repository.insertUser({ id: randomUUID(), email, passwordHash, verified: false, createdAt: 0 });
    }
    // Distinct addresses (through the trusted proxy) and emails: only the hashing queue can refuse.
    const answers = await Promise.all(
      users.map((email, n) => login(baseUrl, { email, password }, `198.51.100.${n}`)),
    );
    const counts = countBy(answers);
    expect(Object.keys(counts).sort()).toEqual(['200', '503']);
    expect(counts[200]).toBeGreaterThanOrEqual(PASSWORD_HASHING.concurrency + PASSWORD_HASHING.queueSize);
    for (const answer of answers.filter(({ status }) => status === 503)) {
      expect(answer.retryAfter).toBe(String(PASSWORD_HASHING.retryAfterSeconds));
      expect(answer.body).toEqual({
        code: 503,
        description: 'Service Unavailable',
        cause: expect.any(String),
      });
    }
    // A refused login was never checked, so it costs no attempt: the same user logs in afterwards.
    const refused = users[answers.findIndex(({ status }) => status === 503)]!;
    expect((await login(baseUrl, { email: refused, password })).status).toBe(200);
  });
});

describe('songs join-code limits (GET /v1/auth/code)', () => {
  it('mails at most 5 codes per email in the window, then 429 with Retry-After in the songs envelope', async () => {
    const { baseUrl, server } = await start();
    const answers: Answer[] = [];
    for (let n = 0; n < 8; n++) answers.push(await askCode(baseUrl, 'victim@example.com'));
    expect(answers.map(({ status }) => status)).toEqual([204, 204, 204, 204, 204, 429, 429, 429]);
    expect(Number(answers[5]!.retryAfter)).toBeGreaterThan(0);
    expect(answers[5]!.body).toMatchObject({ code: 429, description: 'Too Many Requests' });
    const mails = await server.db('mail_outbox').where({ recipient: 'victim@example.com' }).count({ n: '*' });
    expect(Number(mails[0]!.n)).toBe(SONGS_JOIN_CODE_LIMITS.perEmail);
    // Someone else can still get a code.
    expect((await askCode(baseUrl, 'someone@example.com')).status).toBe(204);
  });

  it('limits codes per client address, whatever emails it names', async () => {
    const { baseUrl } = await start();
    const statuses: number[] = [];
    for (let n = 0; n < SONGS_JOIN_CODE_LIMITS.perAddress + 3; n++) {
      statuses.push((await askCode(baseUrl, `spray${n}@example.com`, `203.0.113.${n}`)).status);
    }
    expect(statuses.filter((status) => status === 204)).toHaveLength(SONGS_JOIN_CODE_LIMITS.perAddress);
    expect(statuses.slice(-3)).toEqual([429, 429, 429]);
  });
});
