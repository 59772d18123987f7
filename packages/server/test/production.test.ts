import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SONGS_DEMO_LOGIN } from '@music-apis/catalog';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type MusicApiServer } from '../src/app.js';
import { describeConfig, loadConfig } from '../src/core/config.js';
import { startBanner } from '../src/start-banner.js';
import { PRODUCTION_ENV } from './helpers.js';

describe('NODE_ENV=production configuration', () => {
  it('refuses to start without PUBLIC_URL or a mail provider, and says why', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', SMTP_URL: PRODUCTION_ENV.SMTP_URL })).toThrow(
      /NODE_ENV=production requires PUBLIC_URL/,
    );
    expect(() => loadConfig({ NODE_ENV: 'production', PUBLIC_URL: PRODUCTION_ENV.PUBLIC_URL })).toThrow(
      /requires SMTP_URL \(without it, sign-up codes would go to the log/,
    );
    expect(() => loadConfig({ ...PRODUCTION_ENV, PUBLIC_URL: 'music.example.com' })).toThrow(
      /PUBLIC_URL must be/,
    );
  });

  it('has no demo data (nor its known password) unless DEMO_DATA asks for it', () => {
    const production = loadConfig(PRODUCTION_ENV);
    expect(production).toMatchObject({
      production: true,
      demoData: false,
      devEndpoints: false,
      trustProxy: 0,
    });
    expect(startBanner('https://music.example.com', production, undefined)).not.toContain(
      SONGS_DEMO_LOGIN.password,
    );
    expect(loadConfig({ ...PRODUCTION_ENV, DEMO_DATA: '1' }).demoData).toBe(true);
    expect(loadConfig({}).demoData).toBe(true);
  });

  it('the printed configuration masks every password in URLs and query strings', () => {
    const printed = JSON.stringify(
      describeConfig(
        loadConfig({
          ...PRODUCTION_ENV,
          DATABASE_URL: 'postgres://app:hunter2@db:5432/music?sslmode=require&password=hunter3',
          SMTP_URL: 'smtps://mailer:pa55word@mail.example.com:465?pass=x&token=tok3n',
          PUBLIC_URL: 'https://deploy:s3cr3t@music.example.com',
          SPOTIFY_API_URL: 'https://api.spotify.test/?api_key=k3y',
        }),
      ),
    );
    expect(printed).not.toMatch(/hunter2|hunter3|pa55word|tok3n|s3cr3t|k3y/);
    expect(printed).toContain('postgres://app:***@db:5432/music?sslmode=require&password=***');
    expect(printed).toContain('smtps://mailer:***@mail.example.com:465');
    expect(printed).toContain('https://deploy:***@music.example.com');
  });

  it('the CLI does not start in production without a mail provider, and says why', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'music-apis-production-'));
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--conditions=@music-apis/source', 'packages/server/src/cli.ts', 'start'],
      {
        cwd: resolve(import.meta.dirname, '..', '..', '..'),
        env: {
          ...process.env,
          NODE_ENV: 'production',
          PUBLIC_URL: 'https://music.example.com',
          SMTP_URL: '',
          PORT: '0',
          DATA_DIR: dataDir,
        },
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
    // A server that starts anyway would run forever: stop it, so the assertions below fail instead.
    const stopper = setTimeout(() => child.kill('SIGTERM'), 15_000);
    const code = await new Promise<number | null>((done) => child.once('exit', done));
    clearTimeout(stopper);
    await rm(dataDir, { recursive: true, force: true });
    expect(code).not.toBe(0);
    expect(output).toContain('NODE_ENV=production requires SMTP_URL');
    expect(output).not.toContain('listening');
  });
});

describe('a production server', () => {
  let server: MusicApiServer;
  let http: Server;
  let dataDir: string;
  let baseUrl: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'music-apis-production-'));
    server = await createServer(loadConfig({ ...PRODUCTION_ENV, LOG_LEVEL: 'silent' }, { dataDir }));
    // On the app directly: the server's own listen() answers PUBLIC_URL, which is not reachable here.
    http = server.app.listen(0, '127.0.0.1');
    await once(http, 'listening');
    baseUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((done) => http?.close(done));
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('has no demo login, and builds links from PUBLIC_URL only', async () => {
    const response = await fetch(`${baseUrl}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(SONGS_DEMO_LOGIN),
    });
    expect(response.status).toBe(404);
    const document = await fetch(`${baseUrl}/api-docs/songs.json`, {
      headers: { host: 'evil.example.com', 'x-forwarded-host': 'evil.example.com' },
    });
    expect(((await document.json()) as { servers: { url: string }[] }).servers[0]?.url).toBe(
      PRODUCTION_ENV.PUBLIC_URL,
    );
  });
});
