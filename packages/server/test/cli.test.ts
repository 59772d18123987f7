import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { collectionsDemoCollections } from '@music-apis/catalog';
import { createCollectionsClient } from '@music-apis/sdk/collections';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/core/config.js';
import { cliLocation, displayUrl, maskDatabaseUrl, operatorCommand } from '../src/operator-commands.js';
import { startBanner } from '../src/start-banner.js';

const repositoryRoot = resolve(import.meta.dirname, '..', '..', '..');
const clone = { cloneRoot: repositoryRoot, cwd: repositoryRoot };

/** The environment without the settings under test: the printed commands must carry them. */
function environment(extra: Record<string, string>): NodeJS.ProcessEnv {
  const { DATA_DIR: _dataDir, DATABASE_URL: _databaseUrl, ...rest } = process.env;
  return { ...rest, ...extra };
}

function outputOf(child: ChildProcess): { text: () => string; exited: Promise<number | null> } {
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return { text: () => text, exited };
}

describe('printed commands', () => {
  it('recognise the clone they run from', () => {
    expect(cliLocation()).toEqual({ cloneRoot: repositoryRoot, cwd: process.cwd() });
    expect(cliLocation('file:///srv/app/node_modules/@music-apis/server/dist/cli.js', '/srv/app')).toEqual({
      cloneRoot: undefined,
      cwd: '/srv/app',
    });
  });

  it('use the root `cli` script in a clone, with the server’s DATA_DIR when it is not the default', () => {
    const defaults = { dataDir: join(repositoryRoot, 'data'), databaseUrl: undefined };
    expect(operatorCommand(defaults, ['create-api-key', '"my app"'], clone)).toEqual({
      line: 'npm run cli -- create-api-key "my app"',
      passwordMasked: false,
    });
    expect(
      operatorCommand({ ...defaults, dataDir: '/srv/music data' }, ['verify-user', '<email>'], clone),
    ).toEqual({
      line: `DATA_DIR='/srv/music data' npm run cli -- verify-user <email>`,
      passwordMasked: false,
    });
    // Typed anywhere else in the clone, npm is pointed at its root (where `./data` resolves too).
    expect(
      operatorCommand(defaults, ['create-api-key'], {
        cloneRoot: repositoryRoot,
        cwd: join(repositoryRoot, 'packages'),
      }).line,
    ).toBe(`npm --prefix ${repositoryRoot} run cli -- create-api-key`);
  });

  it('use the bin of an installed package', () => {
    const installed = { cloneRoot: undefined, cwd: '/srv/app' };
    expect(
      operatorCommand({ dataDir: '/srv/app/data', databaseUrl: undefined }, ['create-api-key'], installed)
        .line,
    ).toBe('npx music-apis-server create-api-key');
    expect(
      operatorCommand({ dataDir: '/var/lib/music', databaseUrl: undefined }, ['create-api-key'], installed)
        .line,
    ).toBe('DATA_DIR=/var/lib/music npx music-apis-server create-api-key');
  });

  it('carry DATABASE_URL, never its password', () => {
    const dataDir = join(repositoryRoot, 'data');
    expect(
      operatorCommand(
        { dataDir, databaseUrl: 'postgres://app@db:5432/music' },
        ['verify-user', 'a@b.c'],
        clone,
      ),
    ).toEqual({
      line: 'DATABASE_URL=postgres://app@db:5432/music npm run cli -- verify-user a@b.c',
      passwordMasked: false,
    });
    expect(
      operatorCommand(
        { dataDir, databaseUrl: 'postgres://app:s3cret@db:5432/music' },
        ['create-api-key'],
        clone,
      ),
    ).toEqual({
      line: `DATABASE_URL='postgres://app:***@db:5432/music' npm run cli -- create-api-key`,
      passwordMasked: true,
    });
    expect(maskDatabaseUrl('postgres://db/music?user=app&password=s3cret')).toEqual({
      url: 'postgres://db/music?user=app&password=***',
      masked: true,
    });

    const config = loadConfig({ DATABASE_URL: 'postgres://app:s3cret@db:5432/music' });
    const banner = startBanner('http://localhost:8080', config, { key: 'adn_key' }, clone);
    expect(banner).not.toContain('s3cret');
    expect(banner).toContain(
      `DATABASE_URL='postgres://app:***@db:5432/music' npm run cli -- create-api-key "my app"`,
    );
    expect(banner).toContain("type DATABASE_URL's password where the commands show ***");
  });

  it('show the server at localhost, as the README and the documents do', () => {
    expect(displayUrl('http://127.0.0.1:8080', { publicUrl: undefined })).toBe('http://localhost:8080');
    expect(displayUrl('http://192.168.1.5:8080', { publicUrl: undefined })).toBe('http://192.168.1.5:8080');
    expect(displayUrl('https://music.example.com', { publicUrl: 'https://music.example.com' })).toBe(
      'https://music.example.com',
    );
  });
});

// The real CLI, from source and from the clone's root as `npm start` runs it: starts with the demo
// data, prints its URL, a working curl example and operator commands that run as printed, serves,
// and exits cleanly on SIGTERM.
it('starts, prints commands that run as printed, and shuts down on SIGTERM', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'music-apis-cli-'));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@music-apis/source', 'packages/server/src/cli.ts', 'start'],
    {
      cwd: repositoryRoot,
      env: environment({ PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'warn' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  try {
    const server = outputOf(child);
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout?.on('data', () => {
        const match = /listening on (http:\/\/\S+)/.exec(server.text());
        if (match && server.text().includes('verify-user')) resolve(match[1] as string);
      });
      void server.exited.then((code) => reject(new Error(`exited with ${code}: ${server.text()}`)));
    });
    const output = server.text();
    expect(url).toMatch(/^http:\/\/localhost:\d+$/);
    expect(output).toContain(`SQLite in ${dataDir}`);
    expect(output).toContain(`${url}/api-docs`);
    expect(output).toMatch(
      /curl -X POST "http:\/\/localhost:\d+\/api\/track\/create\?isrc=GBAYE0800657" -H "Token: Bearer \$TOKEN"/,
    );
    const firstKey = /Collections API key \(shown this once, keep it\):\n {4}(adn_\S+)/.exec(output)?.[1];
    expect(output).toContain(`curl ${url}/v1/collection -H "Authorization: Bearer ${firstKey}"`);
    const createKey = `DATA_DIR=${dataDir} npm run cli -- create-api-key "my app"`;
    expect(output).toContain(`More collections API keys:  ${createKey}\n`);
    expect(output).toContain(
      `Mark a songs API user KYC-verified:  DATA_DIR=${dataDir} npm run cli -- verify-user <email>\n`,
    );
    expect(output).not.toContain('music-apis-server');
    expect((await fetch(`${url}/healthz`)).status).toBe(200);

    // The printed command, run as printed by a shell in the clone: its key works on this server,
    // whose first GET /v1/collection lists the demo collections.
    const command = spawn('sh', ['-c', createKey], {
      cwd: repositoryRoot,
      env: environment({ LOG_LEVEL: 'warn' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const ran = outputOf(command);
    expect(await ran.exited, ran.text()).toBe(0);
    expect(ran.text()).toContain('Collections API key "my app" (shown once, keep it safe):');
    const key = /^(adn_\S+)$/m.exec(ran.text())?.[1] as string;
    expect(key).toBeDefined();
    const listed = await createCollectionsClient({ baseUrl: url, apiKey: key, retry: 0 }).listCollections();
    const demo = collectionsDemoCollections();
    expect(listed.collections.slice(0, demo.length).map((item) => item.title)).toEqual(
      demo.map((item) => item.title),
    );

    child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  } finally {
    child.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  }
}, 60_000);
