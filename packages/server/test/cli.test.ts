import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';

// The real CLI, from source: starts with the demo data, prints its URL and a working curl example,
// serves, and exits cleanly on SIGTERM.
it('starts, prints its URL and a curl example, and shuts down on SIGTERM', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'music-apis-cli-'));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@music-apis/source', 'src/cli.ts', 'start'],
    {
      cwd: join(import.meta.dirname, '..'),
      env: { ...process.env, PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  try {
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening on (http:\/\/\S+)/.exec(output);
        if (match && output.includes('api/track/create')) resolve(match[1] as string);
      });
      child.once('exit', (code) => reject(new Error(`exited with ${code}: ${output}`)));
    });
    expect(output).toContain(`${url}/api-docs`);
    expect(output).toMatch(
      /curl -X POST "http:\/\/[^"]+\/api\/track\/create\?isrc=GBAYE0800657" -H "Token: Bearer \$TOKEN"/,
    );
    expect((await fetch(`${url}/healthz`)).status).toBe(200);

    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  } finally {
    child.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  }
}, 30_000);
