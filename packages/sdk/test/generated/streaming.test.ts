import { describe, expect, it } from 'vitest';
import { createDownloaderClient } from '../../src/downloader/index.js';
import { createStreamingClient } from '../../src/streaming/index.js';
import { sendJson, startServer } from '../core/test-server.js';

describe('streaming and downloader entries', () => {
  it('streaming: client credentials fetch a tenant token once; the user token wins where both are accepted', async (context) => {
    const server = await startServer(context, (request, response) => {
      if (request.url === '/oauth/token') {
        return sendJson(response, 200, { access_token: 'tenant-1', token_type: 'Bearer', expires_in: 3600 });
      }
      sendJson(response, 200, { data: [] });
    });
    const streaming = createStreamingClient({
      baseUrl: server.baseUrl,
      auth: { tenant: { clientId: 'id-1', clientSecret: 'secret-1' }, user: 'udt-1' },
    });

    await streaming.listUsers();
    await streaming.getUser({ user_id: 'u1' });
    await streaming.searchArtists({ q: 'ell' });
    await streaming.getHeartbeat();

    const [token, users, user, search, heartbeat] = server.requests;
    expect(JSON.parse(token?.body ?? '')).toEqual({
      grant_type: 'client_credentials',
      client_id: 'id-1',
      client_secret: 'secret-1',
    });
    expect(token?.headers.authorization).toBeUndefined();
    expect([users, user].map((request) => request?.headers.authorization)).toEqual([
      'Bearer tenant-1',
      'Bearer tenant-1',
    ]);
    expect(search?.headers.authorization).toBe('Bearer udt-1');
    expect(heartbeat?.headers.authorization).toBeUndefined();
    expect(server.requests).toHaveLength(5);
  });

  it('streaming: reads the HLS manifest as text; downloader: sends the bearer JWT and optional auth', async (context) => {
    const server = await startServer(context, (request, response) => {
      if (request.url?.endsWith('.m3u8')) {
        response.writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl' });
        return void response.end('#EXTM3U\n');
      }
      sendJson(response, 200, { auth_enabled: true });
    });
    const streaming = createStreamingClient({ baseUrl: server.baseUrl, auth: { user: 'session-1' } });
    const downloader = createDownloaderClient({ baseUrl: server.baseUrl, auth: 'jwt-1' });
    const anonymous = createDownloaderClient({ baseUrl: server.baseUrl });

    expect(await streaming.getHlsManifest({ stream_id: 's1' })).toBe('#EXTM3U\n');
    await downloader.getAuthStatus();
    await anonymous.getAuthStatus();

    expect(server.requests.map((request) => request.headers.authorization)).toEqual([
      'Bearer session-1',
      'Bearer jwt-1',
      undefined,
    ]);
  });
});
