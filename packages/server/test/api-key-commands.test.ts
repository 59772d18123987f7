import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { isApiError } from '@music-apis/sdk';
import { createCollectionsClient } from '@music-apis/sdk/collections';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CommandOutput,
  createApiKeyCommand,
  listApiKeysCommand,
  revokeApiKeyCommand,
} from '../src/collections/api-key-commands.js';
import { loadConfig } from '../src/core/config.js';
import { startTestServer, type TestServer } from './helpers.js';

const repositoryRoot = resolve(import.meta.dirname, '..', '..', '..');
const CONFIGURED_KEY = 'adn_configured_for_the_command_tests';

let test: TestServer;
beforeAll(async () => {
  test = await startTestServer({
    collections: { ...loadConfig({}).collections, apiKey: CONFIGURED_KEY },
  });
});
afterAll(() => test?.stop());

function capture(): CommandOutput & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, log: (line) => lines.push(line), error: (line) => errors.push(line) };
}

async function create(args: string[]) {
  const output = capture();
  expect(await createApiKeyCommand(test.server.db, args, output)).toBe(0);
  const text = output.lines.join('\n');
  return {
    key: /^(adn_\S+)$/m.exec(text)?.[1] as string,
    keyId: /key id (\S+)/.exec(text)?.[1] as string,
    organizationId: /^Organization "[^"]*" \(([^)]+)\)/m.exec(text)?.[1] as string,
    text,
  };
}

const clientOf = (apiKey: string) => createCollectionsClient({ baseUrl: test.baseUrl, apiKey, retry: 0 });

async function statusOf(call: Promise<unknown>): Promise<number> {
  try {
    await call;
    return 200;
  } catch (error) {
    if (isApiError(error)) return error.status;
    throw error;
  }
}

/** The real CLI, from source, on the test server's DATA_DIR (SQLite: the same database). */
function cli(args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@music-apis/source', 'packages/server/src/cli.ts', ...args],
    {
      cwd: repositoryRoot,
      env: { ...process.env, DATA_DIR: test.dataDir, DATABASE_URL: '', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  return new Promise((done) => child.once('exit', (code) => done({ code, output })));
}

describe('collections API key commands', () => {
  it('create-api-key --organization creates the organization once; its keys see only its own data', async () => {
    const first = await create(['--organization', 'Acme Records', 'acme', 'app']);
    expect(first.text).toContain('Collections API key "acme app" (shown once, keep it safe):');
    expect(first.text).toContain('Organization "Acme Records"');
    const second = await create(['-o', 'Acme Records', 'second']);
    expect(second.organizationId).toBe(first.organizationId);
    // By id as well as by name.
    expect((await create(['--organization', first.organizationId])).organizationId).toBe(
      first.organizationId,
    );

    // A new organization has none of the demo collections (they are the default organization's).
    const acme = clientOf(first.key);
    expect((await acme.listCollections()).count).toBe(0);
    const created = await acme.createCollection({ body: { title: 'Acme album' } });
    expect(
      (await clientOf(second.key).getCollection({ collection_id: created.collection_id })).collection.title,
    ).toBe('Acme album');
    expect(
      await statusOf(clientOf(CONFIGURED_KEY).getCollection({ collection_id: created.collection_id })),
    ).toBe(404);

    // Without --organization: the default organization, which the configured key also belongs to.
    const plain = await create(['plain']);
    const defaultCount = (await clientOf(CONFIGURED_KEY).listCollections()).count;
    expect(defaultCount).toBeGreaterThan(0);
    expect((await clientOf(plain.key).listCollections()).count).toBe(defaultCount);

    const bad = capture();
    expect(await createApiKeyCommand(test.server.db, ['--organization'], bad)).toBe(2);
    expect(await createApiKeyCommand(test.server.db, ['--organization', ' '], bad)).toBe(2);
    expect(await createApiKeyCommand(test.server.db, ['--colour', 'x'], bad)).toBe(2);
    expect(bad.errors.join('\n')).toContain('Usage: create-api-key');
  });

  it('list-api-keys lists every key with its organization, never the key itself', async () => {
    const made = await create(['--organization', 'Listed Label', 'listed']);
    const output = capture();
    expect(await listApiKeysCommand(test.server.db, CONFIGURED_KEY, output)).toBe(0);
    const text = output.lines.join('\n');
    expect(text).toMatch(
      new RegExp(`${made.keyId} +\\S+Z +Listed Label \\(${made.organizationId}\\) +"listed"`),
    );
    expect(text).not.toContain(made.key);
    expect(text).toContain('COLLECTIONS_API_KEY');
  });

  it("list-api-keys shows each key's type, scope and expiry (client-side keys from createApiKey too)", async () => {
    const admin = await create(['--organization', 'Scoped Label', 'admin']);
    const api = clientOf(admin.key);
    const collectionId = (await api.createCollection({ body: { title: 'Scoped' } })).collection_id;
    const expiresAt = '2099-01-02T03:04:05Z';
    const player = await api.createApiKey({
      body: {
        title: 'scoped player',
        api_key_type_id: 'player',
        collection_id: collectionId,
        expires_at: expiresAt,
      },
    });
    await api.createApiKey({ body: { title: 'scoped share', api_key_type_id: 'share', variants: ['hq'] } });
    const output = capture();
    expect(await listApiKeysCommand(test.server.db, undefined, output)).toBe(0);
    const lines = output.lines;
    const line = (title: string) => lines.find((entry) => entry.includes(`"${title}"`)) ?? '';
    expect(line('admin')).toMatch(/"admin" +API Access +all of the organization +never expires$/);
    expect(line('scoped player')).toMatch(
      new RegExp(`"scoped player" +player +collection=${collectionId} +expires ${expiresAt}$`),
    );
    expect(line('scoped share')).toMatch(
      /"scoped share" +share +all of the organization +variants=hq +never expires$/,
    );
    expect(lines.join('\n')).not.toContain(player.api_key);
  });

  it('a revoked key answers 401 at once; revoking by the key itself works too', async () => {
    const byId = await create(['--organization', 'Revoked Ltd', 'to revoke']);
    const byKey = await create(['--organization', 'Revoked Ltd', 'to revoke by key']);
    expect(await statusOf(clientOf(byId.key).listCollections())).toBe(200);

    const output = capture();
    expect(await revokeApiKeyCommand(test.server.db, [byId.keyId], CONFIGURED_KEY, output)).toBe(0);
    expect(await statusOf(clientOf(byId.key).listCollections())).toBe(401);
    expect(await revokeApiKeyCommand(test.server.db, [byKey.key], CONFIGURED_KEY, output)).toBe(0);
    expect(await statusOf(clientOf(byKey.key).listCollections())).toBe(401);
    const response = await fetch(`${test.baseUrl}/v1/collection`, {
      headers: { authorization: `Bearer ${byId.key}` },
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ ok: false, message: expect.any(String) });

    const failed = capture();
    expect(await revokeApiKeyCommand(test.server.db, [byId.keyId], CONFIGURED_KEY, failed)).toBe(1);
    expect(await revokeApiKeyCommand(test.server.db, [CONFIGURED_KEY], CONFIGURED_KEY, failed)).toBe(1);
    expect(failed.errors.join('\n')).toContain('COLLECTIONS_API_KEY');
    expect(await revokeApiKeyCommand(test.server.db, [], CONFIGURED_KEY, failed)).toBe(2);
    expect(await statusOf(clientOf(CONFIGURED_KEY).listCollections())).toBe(200);
  });

  it('runs from the CLI: list-api-keys, then revoke-api-key, against a running server', async () => {
    const made = await create(['--organization', 'CLI Co', 'cli']);
    const listed = await cli(['list-api-keys']);
    expect(listed.code, listed.output).toBe(0);
    expect(listed.output).toContain(`${made.keyId}`);
    expect(listed.output).toContain('CLI Co');
    const revoked = await cli(['revoke-api-key', made.keyId]);
    expect(revoked.code, revoked.output).toBe(0);
    expect(await statusOf(clientOf(made.key).listCollections())).toBe(401);
  }, 60_000);
});
