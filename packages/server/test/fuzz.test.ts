import { demoCatalog, SONGS_DEMO_LOGIN } from '@music-apis/catalog';
import { type ApiKey, type ApiSpec, type OperationSpec, pendingOperations } from '@music-apis/spec';
import { collectionsSpec } from '@music-apis/spec/collections';
import { documents } from '@music-apis/spec/documents';
import { downloaderSpec } from '@music-apis/spec/downloader';
import { songsSpec } from '@music-apis/spec/songs';
import { streamingSpec } from '@music-apis/spec/streaming';
import { trackManagerSpec } from '@music-apis/spec/track-manager';
import { afterAll, describe, expect, it } from 'vitest';
import { createScratchDatabase } from '../../../tests/contract/postgres.js';
import { API_MODULES } from '../src/app.js';
import { loadConfig } from '../src/core/config.js';
import { createResponseChecker } from '../src/core/http/response-check.js';
import { createFirstDownloaderAdmin } from '../src/downloader/module.js';
import { type FuzzCase, fuzzCases, seededRandom } from './fuzz-cases.js';
import { startTestServer } from './helpers.js';

/**
 * Document-driven fuzzing of every operation of every served API, as a signed-in caller: bad
 * requests (fuzz-cases.ts) must never answer 5xx, and every error must be one the document
 * describes, in the API's envelope. `FUZZ_SEED` replays another seed; `FUZZ_CASES` changes the
 * number of cases per operation.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 9);
const CASES_PER_OPERATION = Number(process.env.FUZZ_CASES ?? 40);
const API_KEY = 'adn_fuzz_key';
const STREAMING_CLIENT = { id: 'fuzz-streaming-client', secret: 'fuzz-streaming-secret' };
const DOWNLOADER_ADMIN = { username: 'admin', password: 'fuzz-admin-password' };

const SPECS: { readonly [Key in ApiKey]: ApiSpec } = {
  collections: collectionsSpec,
  downloader: downloaderSpec,
  songs: songsSpec,
  streaming: streamingSpec,
  trackManager: trackManagerSpec,
};
const served = (Object.keys(API_MODULES) as ApiKey[]).filter((key) => API_MODULES[key] !== undefined);

const postgres = await createScratchDatabase('fuzz');
afterAll(async () => postgres?.drop());

/** Valid credentials per security scheme, and ids of existing resources per parameter name. */
async function signIn(baseUrl: string) {
  const json = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(`${baseUrl}${path}`, init);
    expect(response.status, `${path} during set-up`).toBe(200);
    return response.json();
  };
  const login = await json('/v1/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(SONGS_DEMO_LOGIN),
  });
  const songsAuth = { authorization: `Bearer ${login.accessToken}` };
  const [song] = await json('/v1/songs?ownerIds=me&limit=1', { headers: songsAuth });
  const collectionsAuth = { authorization: `Bearer ${API_KEY}` };
  const { collections } = await json('/v1/collection?limit=1', { headers: collectionsAuth });
  const { tracks } = await json(`/v1/collection/${collections[0].id}/track?limit=1`, {
    headers: collectionsAuth,
  });
  const catalog = await json('/api/token', { method: 'POST' });
  const clientToken = await json('/oauth/token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'client_credentials',
      client_id: STREAMING_CLIENT.id,
      client_secret: STREAMING_CLIENT.secret,
    }),
  });
  const tenantAuth = { authorization: `Bearer ${clientToken.access_token}` };
  const streamingUser = await fetch(`${baseUrl}/api/v1/users`, {
    method: 'POST',
    headers: { ...tenantAuth, 'content-type': 'application/json' },
    body: JSON.stringify({
      first_name: 'Fuzz',
      last_name: 'User',
      email: 'fuzz@example.com',
      date_of_birth: '1990-01-15',
    }),
  }).then((response) => response.json());
  const udt = await json(`/api/v1/users/${streamingUser.id}/udt`, {
    method: 'POST',
    headers: { ...tenantAuth, 'content-type': 'application/json' },
    body: JSON.stringify({ deviceId: '8f14e45f-ceea-4672-a9d5-1e4c2f3b6a71' }),
  });
  const userAuth = { authorization: `Bearer ${udt.token}` };
  const checkout = await json('/api/v1/checkout', {
    method: 'POST',
    headers: { ...userAuth, 'content-type': 'application/json' },
    body: JSON.stringify({ product_slug: 'basic' }),
  });
  const downloader = await json('/api/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(DOWNLOADER_ADMIN),
  });
  const downloaderAuth = { authorization: `Bearer ${downloader.access_token}` };
  const schemes: Record<string, Record<string, string>> = {
    accessJwt: songsAuth,
    refreshJwt: { authorization: `Bearer ${login.refreshToken}` },
    BearerAuth: collectionsAuth,
    catalogToken: { token: `Bearer ${catalog.access_token}` },
    OAuth2: tenantAuth,
    UserToken: userAuth,
    // The downloader runs with auth on, as its admin (config and credentials are admin-only).
    bearerAuth: downloaderAuth,
    streamToken: downloaderAuth,
  };
  const known: Record<string, string> = {
    songId: song.id,
    collection_id: collections[0].id,
    track_id: tracks[0].id,
    isrc: demoCatalog.trackAt(1).isrc,
    Token: `Bearer ${catalog.access_token}`,
    user_id: streamingUser.id,
    session_id: checkout.id,
  };
  return { schemes, known };
}

function credentialsOf(operation: OperationSpec, schemes: Record<string, Record<string, string>>) {
  const [alternative = []] = operation.security.filter((names) => names.length > 0);
  return Object.assign(
    {},
    ...alternative.map((scheme) => {
      const headers = schemes[scheme];
      if (!headers) throw new Error(`fuzz: no credentials for scheme ${scheme} (${operation.operationId})`);
      return headers;
    }),
  );
}

async function send(baseUrl: string, fuzz: FuzzCase) {
  const response = await fetch(`${baseUrl}${fuzz.url}`, {
    method: fuzz.method,
    headers: fuzz.headers,
    ...(fuzz.body === undefined ? {} : { body: fuzz.body }),
    redirect: 'manual',
  });
  const contentType = response.headers.get('content-type') ?? undefined;
  // An event stream (the downloader's progress) never ends: its status and headers are the answer.
  if (contentType?.startsWith('text/event-stream')) {
    await response.body?.cancel();
    return { status: response.status, contentType, text: '' };
  }
  const text = await response.text();
  return { status: response.status, contentType, text };
}

const databases = [
  { name: 'SQLite', databaseUrl: undefined as string | undefined, skip: false },
  // Unreachable PostgreSQL skips here (under REQUIRE_POSTGRES createScratchDatabase fails instead).
  { name: 'PostgreSQL', databaseUrl: postgres?.url, skip: !postgres },
];

describe.each(databases)('fuzz on $name', ({ name, databaseUrl, skip }) => {
  it.skipIf(skip)(
    'answers every bad request with a documented 4xx in the API envelope, never a 5xx',
    async () => {
      const test = await startTestServer({
        ...(databaseUrl ? { databaseUrl } : {}),
        collections: { ...loadConfig({}).collections, apiKey: API_KEY },
        streaming: {
          ...loadConfig({}).streaming,
          clientId: STREAMING_CLIENT.id,
          clientSecret: STREAMING_CLIENT.secret,
        },
        downloader: {
          ...loadConfig({}).downloader,
          authEnabled: true,
          adminUsername: DOWNLOADER_ADMIN.username,
          adminPassword: DOWNLOADER_ADMIN.password,
        },
      });
      await createFirstDownloaderAdmin(test.server.db, test.server.config);
      try {
        const { schemes, known } = await signIn(test.baseUrl);
        const random = seededRandom(SEED);
        const failures: string[] = [];
        const rows: { operation: string; cases: number; ok: number; errors: number }[] = [];
        for (const key of served) {
          const document = documents[key];
          const checkError = createResponseChecker(document);
          for (const operation of Object.values(SPECS[key].operations)) {
            // Not built yet: every call answers 501 (see PENDING_OPERATIONS).
            if (pendingOperations(key).includes(operation.operationId)) continue;
            const cases = fuzzCases(document, operation, {
              count: CASES_PER_OPERATION,
              random,
              known,
              credentials: credentialsOf(operation, schemes),
            });
            const row = {
              operation: `${key}.${operation.operationId}`,
              cases: cases.length,
              ok: 0,
              errors: 0,
            };
            for (const fuzz of cases) {
              const answer = await send(test.baseUrl, fuzz);
              const where = `${row.operation} [${fuzz.label}] ${fuzz.method} ${fuzz.url.slice(0, 120)} → ${answer.status}`;
              if (answer.status < 400) {
                row.ok++;
                continue;
              }
              row.errors++;
              if (answer.status >= 500) {
                failures.push(`${where}: ${answer.text.slice(0, 200)}`);
                continue;
              }
              if (answer.text !== '' && !/json/i.test(answer.contentType ?? '')) {
                failures.push(`${where}: not JSON (${answer.contentType}): ${answer.text.slice(0, 200)}`);
                continue;
              }
              const body = answer.text === '' ? undefined : JSON.parse(answer.text);
              const problems = checkError(operation.operationId, answer.status, answer.contentType, body);
              if (problems.length > 0)
                failures.push(`${where}: ${problems.join('; ')} ${answer.text.slice(0, 200)}`);
            }
            rows.push(row);
          }
        }
        const total = rows.reduce((sum, row) => sum + row.cases, 0);
        console.log(
          [
            `fuzz on ${name}: seed ${SEED}, ${total} cases over ${rows.length} operations`,
            ...rows.map(
              (row) =>
                `  ${row.operation.padEnd(48)} ${String(row.cases).padStart(3)} cases  ${String(row.ok).padStart(3)} 2xx/3xx  ${String(row.errors).padStart(3)} 4xx`,
            ),
          ].join('\n'),
        );
        expect(failures, failures.slice(0, 30).join('\n')).toEqual([]);
      } finally {
        await test.stop();
      }
    },
    120_000,
  );
});
