import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { coverJpeg, wavFile } from '@music-apis/catalog';
import { mostVibrantColor, NO_ENCODER_TEXT } from '@music-apis/domain';
import { createCollectionsClient, TrackProcessingError } from '@music-apis/sdk/collections';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffmpegAvailable } from '../../../tests/contract/ffmpeg.js';
import { loadConfig } from '../src/core/config.js';
import { startTestServer, type TestServer } from './helpers.js';

/** Processing on the server: the real files ffmpeg makes, checked with ffprobe. */

const API_KEY = 'adn_processing_test_key';
const withFfmpeg = describe.skipIf(!ffmpegAvailable('collections-processing'));

async function start(ffmpegPath?: string) {
  const defaults = loadConfig({});
  const test = await startTestServer({
    collections: { ...defaults.collections, apiKey: API_KEY, ...(ffmpegPath ? { ffmpegPath } : {}) },
    jobs: { ...defaults.jobs, pollIntervalMs: 20 },
    demoData: false,
  });
  const api = createCollectionsClient({ baseUrl: test.baseUrl, apiKey: API_KEY, retry: 0 });
  const { collection_id } = await api.createCollection({ body: { title: 'Processing' } });
  return { test, api, collectionId: collection_id };
}

/** The track's files by variant index, with the local path of each made file. */
async function filesOf(test: TestServer, trackId: string) {
  const rows = await test.server
    .db('collections_track_files as f')
    .join('collections_variants as v', 'v.id', 'f.variant_id')
    .where('f.track_id', trackId)
    .select('v.delivery_index as index', 'f.blob_key', 'f.is_success', 'f.status_text', 'f.content_type');
  return Object.fromEntries(
    rows.map((row) => [
      row.index as string,
      {
        ...row,
        is_success: row.is_success === null ? null : Boolean(row.is_success),
        path: row.blob_key ? join(test.dataDir, 'blobs', row.blob_key) : undefined,
      },
    ]),
  );
}

function probe(path: string): { duration: number; bitRate: number; codec: string } {
  const output = execFileSync('ffprobe', [
    '-v',
    'error',
    '-show_entries',
    'format=duration,bit_rate:stream=codec_name',
    '-of',
    'json',
    path,
  ]);
  const parsed = JSON.parse(output.toString());
  return {
    duration: Number(parsed.format.duration),
    bitRate: Number(parsed.format.bit_rate),
    codec: parsed.streams[0].codec_name,
  };
}

withFfmpeg('collections processing with ffmpeg', () => {
  let context: Awaited<ReturnType<typeof start>>;
  let work: string;
  beforeAll(async () => {
    context = await start();
    work = await mkdtemp(join(tmpdir(), 'music-apis-processing-test-'));
  });
  afterAll(async () => {
    await context?.test.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('makes hq/lq MP3s at their bitrates, the preview clip, 320 levels, a waveform PNG and the original', async () => {
    const { test, api, collectionId } = context;
    const audio = wavFile({ seconds: 3, sampleRate: 44_100, channels: 2, frequency: 440 });
    const { track } = await api.uploadTrack({
      collectionId,
      file: audio,
      fileName: 'tone.wav',
      waitUntilReady: { intervalMs: 25, timeoutMs: 60_000 },
    });
    expect(track).toMatchObject({ status: 'ready', status_text: null });
    expect(track.duration).toBeCloseTo(3, 2);
    const files = await filesOf(test, track.id);
    expect(files.hq?.blob_key).toBe(`collections/delivery${track.base_path}_hq.mp3`);

    const hq = probe(files.hq?.path as string);
    expect(hq.codec).toBe('mp3');
    expect(Math.abs(hq.duration - 3)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(hq.bitRate - 320_000)).toBeLessThan(40_000);
    const lq = probe(files.lq?.path as string);
    expect(Math.abs(lq.bitRate - 128_000)).toBeLessThan(20_000);
    // preview_seconds 60, at most 50 % of the 3 s: a 1.5 s clip.
    const preview = probe(files.preview?.path as string);
    expect(Math.abs(preview.duration - 1.5)).toBeLessThanOrEqual(0.3);

    const [row] = await test.server.db('collections_tracks').where({ id: track.id }).select('levels');
    const levels = JSON.parse(row.levels) as number[];
    expect(levels).toHaveLength(320);
    // The tone's amplitude is 12000 / 32768 throughout.
    for (const level of levels) expect(level).toBeCloseTo(12_000 / 32_768, 1);
    expect(JSON.parse(await readFile(files.levels?.path as string, 'utf8'))).toEqual({ levels });

    const png = await readFile(files.waveform?.path as string);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(new Uint8Array(await readFile(files.original?.path as string))).toEqual(audio);
    // A WAV has no embedded cover: nothing to make, which does not make the track incomplete.
    expect(files.cover).toMatchObject({ is_success: null, blob_key: null });
  });

  it("takes the cover embedded in an MP3's tags: the track's cover, its palette as theme, its most vibrant color", async () => {
    const { test, api, collectionId } = context;
    const wav = join(work, 'tagged.wav');
    const jpeg = join(work, 'cover.jpg');
    const mp3 = join(work, 'tagged.mp3');
    await writeFile(wav, wavFile({ seconds: 2, sampleRate: 22_050, frequency: 330 }));
    await writeFile(jpeg, coverJpeg(3));
    execFileSync('ffmpeg', [
      ...[
        '-v',
        'error',
        '-i',
        wav,
        '-i',
        jpeg,
        '-map',
        '0:a',
        '-map',
        '1',
        '-c:a',
        'libmp3lame',
        '-b:a',
        '64k',
      ],
      ...['-c:v', 'copy', '-id3v2_version', '3', '-disposition:v', 'attached_pic', '-y', mp3],
    ]);
    const { track } = await api.uploadTrack({
      collectionId,
      file: new Uint8Array(await readFile(mp3)),
      fileName: 'tagged.mp3',
      waitUntilReady: { intervalMs: 25, timeoutMs: 60_000 },
    });
    expect(track.theme.length).toBeGreaterThan(0);
    const areas = track.theme.map((color) => color.area ?? 0);
    expect(areas).toEqual([...areas].sort((a, b) => b - a));
    for (const color of track.theme) {
      expect(color).toEqual({
        hex: expect.stringMatching(/^#[0-9A-F]{6}$/),
        area: expect.any(Number),
        lightness: expect.any(Number),
        saturation: expect.any(Number),
      });
    }
    expect(track.player_color).toBe(mostVibrantColor(track.theme));
    expect(track.cover_url).toMatch(new RegExp(`/media/covers/track/${track.id}\\.jpg$`));
    const cover = await api.getCoverImage({ coverUrl: track.cover_url as string });
    expect(new Uint8Array(await cover.arrayBuffer())).toEqual(coverJpeg(3));
    const files = await filesOf(test, track.id);
    expect(files.cover).toMatchObject({ is_success: true, content_type: 'image/jpeg' });
    expect(files.original?.blob_key).toBe(`collections/delivery${track.base_path}_original.mp3`);
  });

  it('makes an added AAC variant, and an Opus preview by percent', async () => {
    const { test, api, collectionId } = context;
    const { track } = await api.uploadTrack({
      collectionId,
      file: wavFile({ seconds: 4, sampleRate: 48_000, frequency: 220 }),
      fileName: 'four.wav',
      waitUntilReady: { intervalMs: 25, timeoutMs: 60_000 },
    });
    await api.addTrackVariant({
      track_id: track.id,
      body: { variant_type_id: 'transcode', index: 'aac96', codec: 'aac', bitrate: 96, is_stereo: false },
    });
    await api.addTrackVariant({
      track_id: track.id,
      body: {
        variant_type_id: 'preview',
        index: 'opus-clip',
        codec: 'opus',
        bitrate: 48,
        preview_type: 'percent',
      },
    });
    const ready = await api.waitForTrack({ trackId: track.id }, { intervalMs: 25, timeoutMs: 60_000 });
    expect(ready.status).toBe('ready');
    const files = await filesOf(test, track.id);
    expect(files.aac96?.blob_key).toBe(`collections/delivery${track.base_path}_aac96.m4a`);
    const aac = probe(files.aac96?.path as string);
    expect(aac.codec).toBe('aac');
    expect(Math.abs(aac.duration - 4)).toBeLessThanOrEqual(0.5);
    // preview_percent 25 of 4 s, within 0–90 s: 1 s.
    const opus = probe(files['opus-clip']?.path as string);
    expect(opus.codec).toBe('opus');
    expect(Math.abs(opus.duration - 1)).toBeLessThanOrEqual(0.3);
  });
});

describe('collections processing without an encoder', () => {
  let context: Awaited<ReturnType<typeof start>>;
  beforeAll(async () => {
    context = await start('/nonexistent/ffmpeg');
  });
  afterAll(() => context?.test.stop());

  it('ends a track incomplete, saying ffmpeg is missing, with only the original kept (never a fake file)', async () => {
    const { test, api, collectionId } = context;
    const audio = wavFile({ seconds: 1, sampleRate: 8000, frequency: 440 });
    const created = await api.createTrack({ body: { collection_id: collectionId, file_name: 'plain.wav' } });
    await api.uploadTrackAudio({ uploadUrl: created.track_upload.upload_url, body: audio });
    const error = await api
      .waitForTrack({ trackId: created.track_id }, { intervalMs: 25, timeoutMs: 30_000 })
      .then(
        () => undefined,
        (caught: unknown) => caught,
      );
    expect(error).toBeInstanceOf(TrackProcessingError);
    const { track } = error as TrackProcessingError;
    expect(track.status).toBe('incomplete');
    expect(track.status_text).toContain(NO_ENCODER_TEXT);
    expect(track.duration).toBeCloseTo(1, 2);
    const files = await filesOf(test, created.track_id);
    for (const index of ['hq', 'lq', 'preview', 'levels', 'waveform']) {
      expect(files[index]).toMatchObject({ is_success: false, blob_key: null, status_text: NO_ENCODER_TEXT });
    }
    expect(files.original?.is_success).toBe(true);
    expect(new Uint8Array(await readFile(files.original?.path as string))).toEqual(audio);
  });
});
