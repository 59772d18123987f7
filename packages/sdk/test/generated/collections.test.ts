import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createCollectionsClient, splitSignedUrl } from '../../src/collections/index.js';
import { sendJson, startServer } from '../core/test-server.js';

const TRACK = { id: 't1', status: 'ready', file_name: 'a.wav' };

describe('collections client (generated methods + lib helpers)', () => {
  it('splits a signed URL into the base URL under which it lives and the operation arguments', () => {
    expect(
      splitSignedUrl(
        'https://cdn.example/prefix/v1/upload/track/t%201?expires=10&nonce=ab&signature=cd',
        '/v1/upload/track/{track_id}',
      ),
    ).toEqual({
      baseUrl: 'https://cdn.example/prefix',
      args: { track_id: 't 1', expires: '10', nonce: 'ab', signature: 'cd' },
    });
    expect(() => splitSignedUrl('https://cdn.example/elsewhere', '/v1/upload/track/{track_id}')).toThrow(
      'Not a /v1/upload/track/{track_id} URL',
    );
  });

  it('uploads to the URL the API handed out, on its own origin, without the API key', async (context) => {
    const api = await startServer(context, (_request, response) => sendJson(response, 200, { ok: true }));
    const cdn = await startServer(context, (request, response) => {
      if (!request.url?.startsWith('/media/')) return sendJson(response, 200, { ok: true, track: TRACK });
      response.writeHead(200, { 'content-type': 'image/png' }).end('png');
    });
    const adn = createCollectionsClient({ baseUrl: api.baseUrl, apiKey: 'adn_key' });
    const uploadUrl = `${cdn.baseUrl}/v1/upload/track/t1?expires=99&nonce=n1&signature=s1`;

    await adn.uploadTrackAudio({ uploadUrl, body: new Uint8Array([1, 2, 3]), contentType: 'audio/wav' });
    await adn.uploadTrackCover({
      uploadUrl: `${cdn.baseUrl}/v1/upload/cover/track/t1?expires=99&nonce=n2&signature=s2`,
      file: new Uint8Array([9]),
    });
    const cover = await adn.getCoverImage({ coverUrl: `${cdn.baseUrl}/media/covers/track/t1.png` });
    // The generated form works as well, against the client's own base URL and with the key.
    await adn.getTrack({ track_id: 't1' });

    const [audio, coverUpload, image] = cdn.requests;
    expect(audio).toMatchObject({
      method: 'PUT',
      url: '/v1/upload/track/t1?expires=99&nonce=n1&signature=s1',
    });
    expect(audio?.headers['content-type']).toBe('audio/wav');
    expect(audio?.headers.authorization).toBeUndefined();
    expect(coverUpload?.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(coverUpload?.body).toContain('filename="cover"');
    expect(image?.url).toBe('/media/covers/track/t1.png');
    expect(cover.type).toBe('image/png');
    expect(await cover.text()).toBe('png');
    expect(api.requests.map((request) => [request.url, request.headers.authorization])).toEqual([
      ['/v1/track/t1', 'Bearer adn_key'],
    ]);
  });

  it('iterates a collection’s tracks with the core paginator (items and pages), and polls until ready', async (context) => {
    const tracks = Array.from({ length: 5 }, (_, index) => ({ ...TRACK, id: `t${index}` }));
    let polls = 0;
    const server = await startServer(context, (request, response) => {
      const url = new URL(request.url, 'http://x');
      if (url.pathname === '/v1/track/t9') {
        polls++;
        return sendJson(response, 200, {
          track: { ...TRACK, id: 't9', status: polls < 3 ? 'processing' : 'ready' },
        });
      }
      const offset = Number(url.searchParams.get('offset'));
      const limit = Number(url.searchParams.get('limit'));
      sendJson(response, 200, { count: tracks.length, tracks: tracks.slice(offset, offset + limit) });
    });
    const adn = createCollectionsClient({ baseUrl: server.baseUrl, apiKey: 'adn_key' });

    const ids = [];
    for await (const track of adn.iterateCollectionTracks({ collectionId: 'c1', pageSize: 2 }))
      ids.push(track.id);
    const pageSizes = [];
    for await (const page of adn.iterateCollectionTracks({ collectionId: 'c1', pageSize: 2 }).pages())
      pageSizes.push(page.tracks.length);

    expect(ids).toEqual(['t0', 't1', 't2', 't3', 't4']);
    expect(pageSizes).toEqual([2, 2, 1]);
    expect(server.requests[0]?.url).toBe('/v1/collection/c1/track?limit=2&offset=0');
    expect((await adn.waitForTrack({ trackId: 't9' }, { intervalMs: 1 })).status).toBe('ready');
    expect(polls).toBe(3);
  });

  it('an upload URL on a host that refuses the connection fails without retrying', async () => {
    const refusing = createServer();
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
    const { port } = refusing.address() as AddressInfo;
    await new Promise((resolve) => refusing.close(resolve));
    const adn = createCollectionsClient({ baseUrl: 'http://127.0.0.1:1', apiKey: 'k' });

    await expect(
      adn.uploadTrackAudio({
        uploadUrl: `http://127.0.0.1:${port}/v1/upload/track/t1?expires=1&nonce=n&signature=s`,
        body: new Uint8Array([1]),
      }),
    ).rejects.toMatchObject({ name: 'NetworkError' });
  });
});
