import { createHmac } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SONGS_DEMO_LOGIN, wavFile } from '@music-apis/catalog';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getOrCreateSecret } from '../src/core/secrets.js';
import { setSongsUserVerified } from '../src/songs/module.js';
import { startTestServer, type TestServer } from './helpers.js';

/** Every file under `directory`, relative, or [] when it does not exist. */
async function filesUnder(directory: string): Promise<string[]> {
  try {
    return (await readdir(directory, { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name).slice(directory.length + 1))
      .sort();
  } catch {
    return [];
  }
}

describe('songs API on the server', () => {
  let test: TestServer;
  const call = async (
    method: string,
    path: string,
    options: { token?: string; json?: unknown; body?: BodyInit } = {},
  ) => {
    const response = await fetch(`${test.baseUrl}${path}`, {
      method,
      headers: {
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...(options.json === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: options.json === undefined ? options.body : JSON.stringify(options.json),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  };
  const login = async (email: string, password: string) =>
    (await call('POST', '/v1/auth/login', { json: { email, password } })).body as {
      accessToken: string;
      refreshToken: string;
    };
  async function signUp(email: string) {
    expect((await call('GET', `/v1/auth/code?email=${email}`)).status).toBe(204);
    const outbox = (await call('GET', '/dev/mail')).body as { recipient: string; text: string }[];
    const code = /(\d{6})/.exec(outbox.find((message) => message.recipient === email)!.text)![1];
    const created = await call('POST', '/v1/users', {
      json: { email, authCode: code, newPassword: 'Secret123', confirmPassword: 'Secret123' },
    });
    expect(created.status).toBe(200);
    return login(email, 'Secret123');
  }

  beforeAll(async () => {
    test = await startTestServer();
  });
  afterAll(async () => {
    await test.stop();
  });

  it('trims comma-separated filter values as the original does: "Jazz, Blues" counts as "Jazz,Blues"', async () => {
    const { accessToken: token } = await login(SONGS_DEMO_LOGIN.email, SONGS_DEMO_LOGIN.password);
    const list = async (query: string) =>
      (await call('GET', `/v1/songs?${query}`, { token })).body as { id: string }[];
    const plain = await list('ownerIds=me&genres=Jazz,Blues&limit=100');
    expect(plain.length).toBeGreaterThan(0);
    expect(await list('ownerIds=me&genres=Jazz, Blues&limit=100')).toEqual(plain);
    expect(await list('ownerIds=me&genres=Jazz&genres= Blues&limit=100')).toEqual(plain);
    const count = async (query: string) => (await call('GET', `/v1/songs/count?${query}`, { token })).body;
    expect(await count('ownerIds=me&genres=Jazz, Blues')).toEqual({ count: plain.length });
  });

  it('an expired refresh token is a 401 challenge, even when correctly signed', async () => {
    const { refreshToken } = await login(SONGS_DEMO_LOGIN.email, SONGS_DEMO_LOGIN.password);
    const claims = JSON.parse(Buffer.from(refreshToken.split('.')[1]!, 'base64url').toString());
    const secret = await getOrCreateSecret(test.server.db, 'songs-jwt');
    const expired = await new SignJWT({ ...claims, exp: Math.floor(Date.now() / 1000) - 10 })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .sign(secret);
    const response = await call('GET', '/v1/auth/refresh', { token: expired });
    expect(response.status).toBe(401);
    expect(response.body).toBeUndefined();
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="NEWM Server"');
    // The genuine token, same jti, still works once.
    expect((await call('GET', '/v1/auth/refresh', { token: refreshToken })).status).toBe(200);
  });

  it('failed logins are limited per email: 429 with Retry-After, even for the right password', async () => {
    await signUp('limited@example.com');
    for (let attempt = 0; attempt < 5; attempt++) {
      expect(
        (
          await call('POST', '/v1/auth/login', {
            json: { email: 'limited@example.com', password: 'Wrong1234' },
          })
        ).status,
      ).toBe(401);
    }
    const limited = await call('POST', '/v1/auth/login', {
      json: { email: 'limited@example.com', password: 'Secret123' },
    });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.body).toMatchObject({ code: 429, description: 'Too Many Requests' });
    // Other accounts are unaffected.
    expect((await call('POST', '/v1/auth/login', { json: SONGS_DEMO_LOGIN })).status).toBe(200);
  });

  it('a rejected upload leaves no file behind; an accepted one leaves exactly the audio file', async () => {
    const { accessToken } = await login(SONGS_DEMO_LOGIN.email, SONGS_DEMO_LOGIN.password);
    const { songId } = (
      await call('POST', '/v1/songs', { token: accessToken, json: { title: 'Blob test', genres: ['Pop'] } })
    ).body;
    const blobs = join(test.dataDir, 'blobs', 'songs');
    const rejected = await call('POST', `/v1/songs/${songId}/audio`, {
      token: accessToken,
      body: wavFile({ seconds: 31, sampleRate: 22_050 }),
    });
    expect(rejected.status).toBe(422);
    expect(await filesUnder(blobs)).toEqual([]);
    const accepted = await call('POST', `/v1/songs/${songId}/audio`, {
      token: accessToken,
      body: wavFile({ seconds: 30, sampleRate: 44_100 }),
    });
    expect(accepted.status).toBe(200);
    expect(await filesUnder(blobs)).toEqual([join('audio', songId, 'audio.wav')]);
    // Deleting the song deletes its file.
    expect((await call('DELETE', `/v1/songs/${songId}`, { token: accessToken })).status).toBe(204);
    expect(await filesUnder(blobs)).toEqual([]);
  });

  it('an operator marks a user verified; the accepted agreement is kept as a PDF', async () => {
    const { accessToken } = await signUp('kyc@example.com');
    const { songId } = (
      await call('POST', '/v1/songs', { token: accessToken, json: { title: 'KYC', genres: ['Pop'] } })
    ).body;
    const agreement = { token: accessToken, json: { accepted: true } };
    expect((await call('PUT', `/v1/songs/${songId}/agreement`, agreement)).status).toBe(422);
    expect(await setSongsUserVerified(test.server.db, 'KYC@example.com')).toBe(true);
    expect(await setSongsUserVerified(test.server.db, 'nobody@example.com')).toBe(false);
    expect((await call('PUT', `/v1/songs/${songId}/agreement`, agreement)).status).toBe(204);
    const [pdf] = await filesUnder(join(test.dataDir, 'blobs', 'songs', 'agreements'));
    expect(pdf).toBe(join(songId, 'StreamTokenAgreement.pdf'));
    const bytes = await readFile(join(test.dataDir, 'blobs', 'songs', 'agreements', pdf!));
    expect(bytes.subarray(0, 8).toString('latin1')).toBe('%PDF-1.4');
    expect(bytes.toString('latin1')).toContain('(Song: KYC) Tj');
  });

  it("instances sharing a database accept each other's tokens (the secret lives in the database)", async () => {
    const { accessToken } = await login(SONGS_DEMO_LOGIN.email, SONGS_DEMO_LOGIN.password);
    const second = await startTestServer({ dataDir: test.dataDir });
    try {
      const response = await fetch(`${second.baseUrl}/v1/songs/count?ownerIds=me`, {
        headers: { authorization: `Bearer ${accessToken}` },
      });
      expect(response.status).toBe(200);
    } finally {
      await second.stop(false);
    }
  });

  it("stream URLs: signed with the database's secret, so another instance serves them; expired ones are 403; HEAD has the headers", async () => {
    const { accessToken: token } = await login(SONGS_DEMO_LOGIN.email, SONGS_DEMO_LOGIN.password);
    const { songId } = (
      await call('POST', '/v1/songs', { token, json: { title: 'Stream instances', genres: ['Pop'] } })
    ).body;
    const wav = wavFile({ seconds: 30, sampleRate: 44_100 });
    expect((await call('POST', `/v1/songs/${songId}/audio`, { token, body: wav })).status).toBe(200);
    const { url } = (await call('GET', `/v1/songs/${songId}/stream`, { token })).body as { url: string };
    const path = new URL(url).pathname + new URL(url).search;

    const head = await fetch(url, { method: 'HEAD', headers: { range: 'bytes=0-99' } });
    expect(head.status).toBe(206);
    expect(head.headers.get('content-length')).toBe('100');
    expect(head.headers.get('content-range')).toBe(`bytes 0-99/${wav.length}`);
    expect((await head.arrayBuffer()).byteLength).toBe(0);

    const second = await startTestServer({ dataDir: test.dataDir });
    try {
      const elsewhere = await fetch(`${second.baseUrl}${path}`, { headers: { range: 'bytes=0-3' } });
      expect(elsewhere.status).toBe(206);
      expect(Buffer.from(await elsewhere.arrayBuffer()).toString('latin1')).toBe('RIFF');
    } finally {
      await second.stop(false);
    }

    // A correctly signed URL whose time is up.
    const secret = await getOrCreateSecret(test.server.db, 'songs-stream-url');
    const expires = Math.floor(Date.now() / 1000) - 10;
    const signature = createHmac('sha256', secret)
      .update(`GET\n/v1/songs/${songId}/audio/stream\n${expires}`)
      .digest('hex');
    const expired = await call(
      'GET',
      `/v1/songs/${songId}/audio/stream?expires=${expires}&signature=${signature}`,
    );
    expect(expired).toMatchObject({
      status: 403,
      body: { code: 403, description: 'Forbidden', cause: 'Stream URL has expired' },
    });
  });

  it('stream URLs last SONGS_STREAM_URL_TTL_SECONDS (a day unless set)', async () => {
    const short = await startTestServer({
      songs: { jwtSecret: undefined, streamUrlTtlSeconds: 60 },
    });
    try {
      const response = await fetch(`${short.baseUrl}/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(SONGS_DEMO_LOGIN),
      });
      const { accessToken } = (await response.json()) as { accessToken: string };
      const headers = { authorization: `Bearer ${accessToken}` };
      const [song] = (await (
        await fetch(`${short.baseUrl}/v1/songs?ownerIds=me&limit=1`, { headers })
      ).json()) as {
        id: string;
      }[];
      await fetch(`${short.baseUrl}/v1/songs/${song!.id}/audio`, {
        method: 'POST',
        headers,
        body: wavFile({ seconds: 30, sampleRate: 44_100 }),
      });
      const { url } = (await (
        await fetch(`${short.baseUrl}/v1/songs/${song!.id}/stream`, { headers })
      ).json()) as {
        url: string;
      };
      const expires = Number(new URL(url).searchParams.get('expires'));
      expect(expires - Date.now() / 1000).toBeGreaterThan(50);
      expect(expires - Date.now() / 1000).toBeLessThanOrEqual(60);
    } finally {
      await short.stop();
    }
  });
});
