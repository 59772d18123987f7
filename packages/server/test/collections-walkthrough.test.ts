import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { wavFile } from '@music-apis/catalog';
import { verifyWebhookSignature } from '@music-apis/sdk/collections';
import type { components } from '@music-apis/spec/collections';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ffmpegAvailable } from '../../../tests/contract/ffmpeg.js';

/**
 * The README's collections walk-through (issue 13's "Done when"), step by step as its curl lines run
 * it, against the real CLI server started as `npm start` starts it (from source), with a webhook
 * endpoint added by the CLI's `add-webhook` as printed, and a local receiver.
 */

const repositoryRoot = resolve(import.meta.dirname, '..', '..', '..');
const API_KEY = 'adn_walkthrough_key';
const SECONDS = [2.5, 4];

interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
}

function run(child: ChildProcess): { text: () => string; exited: Promise<number | null> } {
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  return { text: () => text, exited: new Promise((done) => child.once('exit', (code) => done(code))) };
}

describe.skipIf(!ffmpegAvailable('collections walk-through'))('the README walk-through (issue 13)', () => {
  let dataDir: string;
  let server: ChildProcess;
  let api: string;
  const deliveries: Delivery[] = [];
  const receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      deliveries.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.statusCode = 204;
      response.end();
    });
  });
  const environment = (extra: Record<string, string>) => {
    const { DATABASE_URL: _databaseUrl, ...rest } = process.env;
    return { ...rest, DATA_DIR: dataDir, LOG_LEVEL: 'warn', COLLECTIONS_API_KEY: API_KEY, ...extra };
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'music-apis-walkthrough-'));
    await new Promise<void>((done) => receiver.listen(0, '127.0.0.1', done));
  });
  afterAll(async () => {
    server?.kill('SIGKILL');
    await new Promise((done) => receiver.close(done));
    await rm(dataDir, { recursive: true, force: true });
  });

  it('upload session → two tracks → PUT WAVs → ready → play session → hq MP3 of the right duration, 206 → one signed Track Processing per track', async () => {
    // The receiver, as the README adds it (before the server starts, on the same DATA_DIR).
    const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
    const added = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--conditions=@music-apis/source',
        'packages/server/src/cli.ts',
        'add-webhook',
        hookUrl,
      ],
      { cwd: repositoryRoot, env: environment({}), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const addOutput = run(added);
    expect(await addOutput.exited, addOutput.text()).toBe(0);
    const secret = /^(whsec_\S+)$/m.exec(addOutput.text())?.[1] as string;

    server = spawn(
      process.execPath,
      ['--import', 'tsx', '--conditions=@music-apis/source', 'packages/server/src/cli.ts', 'start'],
      {
        cwd: repositoryRoot,
        env: environment({ PORT: '0', DEMO_DATA: 'false', JOB_POLL_INTERVAL_MS: '100' }),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const started = run(server);
    api = await new Promise<string>((done, fail) => {
      server.stdout?.on('data', () => {
        const match = /listening on (http:\/\/\S+)/.exec(started.text());
        if (match) done(match[1] as string);
      });
      void started.exited.then((code) => fail(new Error(`exited with ${code}: ${started.text()}`)));
    });
    const keyed = { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' };
    type Schemas = components['schemas'];
    const post = async <Result>(path: string, body: unknown, headers: Record<string, string> = keyed) => {
      const response = await fetch(`${api}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
      expect(response.status, path).toBe(200);
      return (await response.json()) as Result;
    };

    const { collection_id } = await post<Schemas['CollectionResult']>('/v1/collection', {
      title: 'Walk-through',
    });
    // 1. An upload session.
    const { upload_session_id } = await post<Schemas['UploadSessionCreated']>('/v1/upload_session', {
      collection_id,
    });
    // 2. Two tracks through it, without the key; 3. the WAVs PUT to their upload URLs.
    const trackIds: string[] = [];
    for (const [index, seconds] of SECONDS.entries()) {
      const created = await post<Schemas['UploadSessionTrackCreated']>(
        `/v1/upload/${upload_session_id}/track`,
        { file_name: `tone-${index}.wav` },
        { 'content-type': 'application/json' },
      );
      expect(created.track.base_url).toBe(`${api}/media/delivery${created.track.base_path}`);
      const put = await fetch(created.track_upload.upload_url, {
        method: created.track_upload.method,
        body: wavFile({ seconds, frequency: 440 + index * 110 }),
      });
      expect(put.status).toBe(200);
      trackIds.push(created.track_id);
    }
    // 4. Until both are ready.
    for (const trackId of trackIds) {
      await vi.waitFor(
        async () => {
          const { track } = await (await fetch(`${api}/v1/track/${trackId}`, { headers: keyed })).json();
          expect(track.track_status_id).toBe('ready');
        },
        { timeout: 60_000, interval: 250 },
      );
    }
    // 5. A play session of the collection, in hq.
    const session = await post<Schemas['PlaySessionCreated']>('/v1/play_session/collection', {
      collection_id,
      variants: ['hq'],
    });
    expect(session.tracks.map((track: { id: string }) => track.id)).toEqual(trackIds);
    const hqUrls = [session.first_track?.variants[0]?.url as string];
    const second = (await (
      await fetch(`${api}/v1/play/${session.play_session_id}/${trackIds[1]}`)
    ).json()) as Schemas['PlayTrackResult'];
    hqUrls.push(second.variants[0]?.url as string);

    // 6. Each hq file is an MP3 of its WAV's duration; a range of it is a 206.
    for (const [index, url] of hqUrls.entries()) {
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('audio/mpeg');
      const path = join(dataDir, `hq-${index}.mp3`);
      await writeFile(path, new Uint8Array(await response.arrayBuffer()));
      const probed = JSON.parse(
        execFileSync(
          'ffprobe',
          ['-v', 'error', '-show_entries', 'format=format_name,duration', '-of', 'json', path],
          {
            encoding: 'utf8',
          },
        ),
      ).format;
      expect(probed.format_name).toBe('mp3');
      expect(Number(probed.duration)).toBeCloseTo(SECONDS[index] as number, 1);
      const range = await fetch(url, { headers: { range: 'bytes=0-1023' } });
      expect(range.status).toBe(206);
      expect(range.headers.get('content-range')).toMatch(/^bytes 0-1023\/\d+$/);
      expect((await range.arrayBuffer()).byteLength).toBe(1024);
    }

    // 7. Exactly one Track Processing delivery per track, each with a valid signature.
    const processing = () =>
      deliveries.filter((delivery) => delivery.headers['x-adn-event'] === 'track.status_changed');
    await vi.waitFor(() => expect(processing()).toHaveLength(2), { timeout: 30_000, interval: 100 });
    // Several job polls later, still one each (a duplicate would have come by now).
    await new Promise((done) => setTimeout(done, 1500));
    expect(processing()).toHaveLength(2);
    const verified = await Promise.all(
      processing().map((delivery) =>
        verifyWebhookSignature<{ track_id: string; status: string }>(delivery.body, delivery.headers, {
          secret,
        }),
      ),
    );
    expect(verified.map((delivery) => delivery.payload.track_id).sort()).toEqual([...trackIds].sort());
    expect(verified.every((delivery) => delivery.payload.status === 'ready')).toBe(true);

    server.kill('SIGTERM');
    expect(await started.exited).toBe(0);
  });
});
