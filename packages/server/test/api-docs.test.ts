import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiRegistry } from '@music-apis/spec';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_MODULES, createServer, type MusicApiServer } from '../src/app.js';
import { loadConfig } from '../src/core/config.js';

interface Served {
  servers: { url: string; description?: string }[];
}

/** A server on `PORT=18080` as the issue asks, or on a free port when 18080 is taken (parallel runs). */
async function startOn18080(): Promise<{ server: MusicApiServer; baseUrl: string; dataDir: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'music-apis-docs-'));
  for (const port of [18080, 0]) {
    const config = loadConfig(
      { PORT: String(port), LOG_LEVEL: 'silent' },
      { dataDir, validateResponses: true },
    );
    const server = await createServer(config);
    try {
      return { server, baseUrl: await server.listen(), dataDir };
    } catch (error) {
      await server.close();
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    }
  }
  throw new Error('unreachable');
}

describe('/api-docs', () => {
  let started: Awaited<ReturnType<typeof startOn18080>>;
  beforeAll(async () => {
    started = await startOn18080();
  });
  afterAll(async () => {
    await started?.server.close();
    if (started) await rm(started.dataDir, { recursive: true, force: true });
  });

  it("serves every document with servers[0] = the server's own origin, and Try it out reaches it", async () => {
    const { baseUrl } = started;
    const origin = new URL(baseUrl).origin;
    for (const api of apiRegistry) {
      const document = (await (await fetch(`${baseUrl}/api-docs/${api.name}.json`)).json()) as Served;
      expect(document.servers[0], api.name).toEqual({ url: origin, description: 'This server' });
      expect(document.servers.map((server) => server.url)).not.toContain('http://localhost:8080');
    }
    const springdoc = (await (
      await fetch(`${baseUrl}/api-docs`, { headers: { accept: 'application/json' } })
    ).json()) as Served;
    expect(springdoc.servers[0]?.url).toBe(origin);

    // What Swagger UI's "Try it out" does: the operation's path under servers[0].url.
    const { servers } = (await (await fetch(`${baseUrl}/api-docs/track-manager.json`)).json()) as Served;
    const token = await fetch(`${servers[0]!.url}/api/token`, { method: 'POST' });
    expect(token.status).toBe(200);
    expect(await token.json()).toMatchObject({ access_token: expect.any(String) });
  });

  it('builds servers[0] from Host, never from X-Forwarded-Host, and trusts no X-Forwarded-Proto by default', async () => {
    const response = await fetch(`${started.baseUrl}/api-docs/songs.json`, {
      headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example.com' },
    });
    expect(((await response.json()) as Served).servers[0]?.url).toBe(new URL(started.baseUrl).origin);
  });

  it('lists every API of the registry with its summary, operations and links, served or not', async () => {
    const page = await (
      await fetch(`${started.baseUrl}/api-docs`, { headers: { accept: 'text/html' } })
    ).text();
    for (const api of apiRegistry) {
      const item = page.match(new RegExp(`<li class="([^"]+)" data-api="${api.key}">([\\s\\S]*?)</li>`));
      expect(item, api.key).not.toBeNull();
      const [, className, html] = item!;
      expect(html).toContain(`href="/api-docs/${api.name}"`);
      expect(html).toContain(`href="/api-docs/${api.name}.json"`);
      expect(html).toContain(`${api.operationCount} operations`);
      expect(html).toContain(api.summary.replace(/&/g, '&#38;').replace(/'/g, '&#39;'));
      const served = API_MODULES[api.key] !== undefined;
      expect(className, api.key).toBe(served ? 'served' : 'not-served');
      expect(html).toContain(served ? '>served<' : '>not served yet<');
    }
    expect(page).toContain('<style>');
  });
});

describe('/api-docs behind a proxy (TRUST_PROXY)', () => {
  it('follows X-Forwarded-Proto from the trusted proxy, still never X-Forwarded-Host', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'music-apis-docs-'));
    const server = await createServer(
      loadConfig({ LOG_LEVEL: 'silent', TRUST_PROXY: '1', PORT: '0' }, { dataDir }),
    );
    try {
      const baseUrl = await server.listen();
      const response = await fetch(`${baseUrl}/api-docs/songs.json`, {
        headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example.com' },
      });
      const { host } = new URL(baseUrl);
      expect(((await response.json()) as Served).servers[0]?.url).toBe(`https://${host}`);
    } finally {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('/api-docs with PUBLIC_URL', () => {
  it('uses PUBLIC_URL as servers[0] whatever the request', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'music-apis-docs-'));
    const server = await createServer(
      loadConfig({ LOG_LEVEL: 'silent', PUBLIC_URL: 'https://api.example.com/music/' }, { dataDir }),
    );
    // Listening on the app directly: the server's own listen() answers with PUBLIC_URL, not reachable here.
    const http = server.app.listen(0, '127.0.0.1');
    try {
      await once(http, 'listening');
      const { port } = http.address() as AddressInfo;
      const response = await fetch(`http://127.0.0.1:${port}/api-docs/collections.json`);
      const document = (await response.json()) as Served;
      expect(document.servers[0]?.url).toBe('https://api.example.com/music');
      // The original service's address stays listed after this server.
      expect(document.servers.map((entry) => entry.url)).toContain('https://api.audiodelivery.net');
    } finally {
      await new Promise((resolve) => http.close(resolve));
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
