import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { demoCatalog } from '@music-apis/catalog';
import { streamIdOf } from '@music-apis/domain';
import { createStreamingClient, resolveStreamUrl } from '@music-apis/sdk/streaming';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffmpegAvailable } from '../../../tests/contract/ffmpeg.js';
import { loadConfig } from '../src/core/config.js';
import { createStreamingClient as createOAuthClient } from '../src/streaming/clients.js';
import { startTestServer, type TestServer } from './helpers.js';

/**
 * The HLS streams play: ffmpeg, as a player would, reads a manifest from a running server (with the
 * user's token, as the SDK's `resolveStreamUrl` gives it), fetches every signed segment and decodes
 * the track's whole duration of audible sound. Without ffmpeg the manifest says so (503).
 */

const HAS_FFMPEG = ffmpegAvailable('streaming HLS');

/** The shortest demo track: quick to cut on a busy machine. */
const track = [...demoCatalog.tracks()].sort((a, b) => a.durationMs - b.durationMs)[0]!;

async function listener(test: TestServer) {
  const client = await createOAuthClient(test.server.db, { tenant: 'acme' });
  const tenant = createStreamingClient({
    baseUrl: test.baseUrl,
    retry: 0,
    auth: { tenant: { clientId: client.clientId, clientSecret: client.clientSecret } },
  });
  const user = await tenant.createUser({
    body: {
      first_name: 'Hal',
      last_name: 'Ess',
      email: `hls-${randomUUID()}@example.com`,
      date_of_birth: '1990-01-15',
    },
  });
  const deviceId = randomUUID();
  const { token } = await tenant.mintUserDelegationToken({ user_id: user.id, body: { deviceId } });
  return createStreamingClient({ baseUrl: test.baseUrl, retry: 0, auth: { user: token }, deviceId });
}

/** Runs a tool to its end: its stdout (bytes) and stderr. */
function run(tool: string, args: string[]): Promise<{ stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve({ stdout: Buffer.concat(out), stderr })
        : reject(new Error(`${tool} exited ${code}: ${stderr}`)),
    );
  });
}

describe('streaming HLS', () => {
  let test: TestServer;
  beforeAll(async () => {
    test = await startTestServer();
  });
  afterAll(() => test?.stop());

  it.skipIf(!HAS_FFMPEG)(
    'a manifest plays in ffmpeg: the whole track, audible, from its signed segments',
    async () => {
      const api = await listener(test);
      // Two players asking at once: one cut, both get the same manifest.
      const [first, second] = await Promise.all([
        api.getHlsManifest({ stream_id: streamIdOf(track) }),
        api.getHlsManifest({ stream_id: streamIdOf(track) }),
      ]);
      const durations = (text: string) =>
        [...text.matchAll(/^#EXTINF:([0-9.]+),$/gm)].map((match) => match[1]);
      expect(durations(first)).toEqual(durations(second));

      const stream = await resolveStreamUrl(api, { stream_id: streamIdOf(track) });
      const headers = Object.entries(stream.headers)
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('');
      const seconds = track.durationMs / 1000;
      const probed = await run('ffprobe', [
        '-v',
        'error',
        '-headers',
        headers,
        '-show_entries',
        'format=duration:stream=codec_name,sample_rate,channels',
        '-of',
        'json',
        stream.url,
      ]);
      const probe = JSON.parse(probed.stdout.toString()) as {
        format: { duration: string };
        streams: { codec_name: string; sample_rate: string; channels: number }[];
      };
      expect(probe.streams[0]).toMatchObject({ codec_name: 'aac', sample_rate: '16000', channels: 1 });
      expect(Math.abs(Number(probe.format.duration) - seconds)).toBeLessThan(0.2);

      // Decoding every segment, as playing does: as long as the track (within a segment), not silence.
      const decoded = await run('ffmpeg', [
        '-hide_banner',
        '-nostdin',
        '-loglevel',
        'error',
        '-headers',
        headers,
        '-i',
        stream.url,
        '-map',
        '0:a:0',
        '-ac',
        '1',
        '-ar',
        '8000',
        '-f',
        's16le',
        'pipe:1',
      ]);
      expect(decoded.stderr).toBe('');
      const samples = new Int16Array(
        decoded.stdout.buffer,
        decoded.stdout.byteOffset,
        decoded.stdout.length / 2,
      );
      expect(Math.abs(samples.length / 8000 - seconds)).toBeLessThan(0.5);
      let energy = 0;
      for (const sample of samples) energy += Math.abs(sample);
      expect(energy / samples.length).toBeGreaterThan(1000);
    },
    60_000,
  );

  it('without ffmpeg a manifest is a 503 saying so, in the API’s envelope', async () => {
    const missing = await startTestServer({
      collections: { ...loadConfig({}).collections, ffmpegPath: '/nonexistent/ffmpeg' },
    });
    try {
      const api = await listener(missing);
      const response = await fetch((await resolveStreamUrl(api, streamIdOf(track))).url, {
        headers: (await resolveStreamUrl(api, streamIdOf(track))).headers,
      });
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({
        message: 'The streaming server cannot encode audio: ffmpeg is not installed (set FFMPEG_PATH).',
        code: 'ENCODER_UNAVAILABLE',
      });
    } finally {
      await missing.stop();
    }
  });
});
