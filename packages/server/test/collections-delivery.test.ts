import { collectionsDemoCollections } from '@music-apis/catalog';
import { createCollectionsClient, signDeliveryUrl } from '@music-apis/sdk/collections';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandOutput } from '../src/collections/api-key-commands.js';
import { urlSigningKeyCommand } from '../src/collections/url-signing-key-commands.js';
import { loadConfig } from '../src/core/config.js';
import { startTestServer, type TestServer } from './helpers.js';

/**
 * Signed delivery: the organization's URL signing key (from the CLI) signs delivery URLs on a
 * user's own server with the SDK's `signDeliveryUrl`; the server serves them until they expire,
 * and no longer once the key is rotated.
 */

const API_KEY = 'adn_delivery_test_key';

async function signingKey(test: TestServer, args: string[] = []): Promise<string> {
  const lines: string[] = [];
  const output: CommandOutput = { log: (line) => lines.push(line), error: (line) => lines.push(line) };
  expect(await urlSigningKeyCommand(test.server.db, args, output)).toBe(0);
  return /^(adnsk_[A-Za-z0-9_-]{43})$/m.exec(lines.join('\n'))?.[1] as string;
}

describe('signed delivery', () => {
  let test: TestServer;
  beforeAll(async () => {
    test = await startTestServer({ collections: { ...loadConfig({}).collections, apiKey: API_KEY } });
  });
  afterAll(() => test?.stop());

  const demoTrack = () => collectionsDemoCollections()[0]!.tracks[0]!;
  const api = () => createCollectionsClient({ baseUrl: test.baseUrl, apiKey: API_KEY, retry: 0 });

  it('serves a URL the user signed with the key until it expires; expired, other keys and rotated keys are 403', async () => {
    const key = await signingKey(test);
    expect(await signingKey(test)).toBe(key);
    const { track } = await api().getTrack({ track_id: demoTrack().id });
    const fileUrl = `${track.base_url}_original.wav`;

    const signed = await signDeliveryUrl(fileUrl, key, { expiresIn: 600 });
    expect(signed).toMatch(/\?expires=\d+&verify=[0-9a-f]{64}$/);
    const served = await fetch(signed, { headers: { range: 'bytes=0-11' } });
    expect(served.status).toBe(206);
    expect(new TextDecoder().decode(await served.arrayBuffer()).slice(8)).toBe('WAVE');

    const expired = await fetch(
      await signDeliveryUrl(fileUrl, key, { expires: new Date(Date.now() - 1000) }),
    );
    expect(expired.status).toBe(403);
    expect(await expired.json()).toMatchObject({ ok: false, message: 'Delivery URL has expired' });
    const forged = await fetch(await signDeliveryUrl(fileUrl, 'adnsk_guessed', { expiresIn: 600 }));
    expect(forged.status).toBe(403);
    expect(await forged.json()).toMatchObject({ ok: false, message: 'Delivery URL signature is invalid' });

    // A play session's URLs are signed with the same key: rotating it ends them too.
    const session = await api().createPlaySession({
      scope: 'track',
      body: { track_id: track.id, variants: ['original'] },
    });
    const sessionUrl = session.first_track!.variants[0]!.url;
    expect((await fetch(sessionUrl, { method: 'HEAD' })).status).toBe(200);
    const rotated = await signingKey(test, ['--rotate']);
    expect(rotated).not.toBe(key);
    for (const url of [signed, sessionUrl]) expect((await fetch(url, { method: 'HEAD' })).status).toBe(403);
    expect((await fetch(await signDeliveryUrl(fileUrl, rotated, { expiresIn: 60 }))).status).toBe(200);
    // A fresh getPlayTrack signs with the new key.
    const again = await api().getPlayTrack({
      play_session_id: session.play_session_id,
      play_track_id: track.id,
    });
    expect((await fetch(again.variants[0]!.url, { method: 'HEAD' })).status).toBe(200);
  });

  it('a key signs its own organization only: the same file under another organization id is 403', async () => {
    const key = await signingKey(test);
    const { track } = await api().getTrack({ track_id: demoTrack().id });
    const other = await signingKey(test, ['--organization', 'Delivery elsewhere']);
    const elsewhere = track.base_url.replace(
      /\/media\/delivery\/[^/]+\//,
      '/media/delivery/00000000-0000-4000-8000-000000000000/',
    );
    expect(
      (await fetch(await signDeliveryUrl(`${elsewhere}_original.wav`, key, { expiresIn: 60 }))).status,
    ).toBe(403);
    expect(
      (await fetch(await signDeliveryUrl(`${track.base_url}_original.wav`, other, { expiresIn: 60 }))).status,
    ).toBe(403);
  });
});
