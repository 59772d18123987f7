import { demoCatalog } from '@music-apis/catalog';
import { createTrackManagerClient, isApiError } from '@music-apis/sdk/track-manager';
import { describe, expect, it } from 'vitest';
import { createBuiltinCatalogProvider } from '../src/core/providers/builtin-catalog.js';
import type { CatalogProvider } from '../src/core/providers/catalog.js';
import { startTestServer } from './helpers.js';

/** The built-in catalog, counting cover downloads. */
function countingProvider() {
  const inner = createBuiltinCatalogProvider(demoCatalog, new TextEncoder().encode('test-secret'));
  const counts = { covers: 0 };
  const provider: CatalogProvider = {
    ...inner,
    async fetchCoverImage(url) {
      counts.covers += 1;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return inner.fetchCoverImage(url);
    },
  };
  return { provider, counts };
}

describe('track manager on the server', () => {
  it('downloads a cover once, for concurrent requests and across restarts', async () => {
    const { provider, counts } = countingProvider();
    const first = await startTestServer({}, { catalogProvider: provider });
    const isrc = demoCatalog.trackAt(1).isrc; // saved by the demo data
    try {
      const client = createTrackManagerClient({ baseUrl: first.baseUrl, retry: 0 });
      const covers = await Promise.all(Array.from({ length: 5 }, () => client.getTrackCover({ isrc })));
      expect(new Set(covers.map((cover) => cover.length)).size).toBe(1);
      expect(counts.covers).toBe(1);
    } finally {
      await first.stop(false);
    }
    const second = await startTestServer({ dataDir: first.dataDir }, { catalogProvider: provider });
    try {
      await createTrackManagerClient({ baseUrl: second.baseUrl }).getTrackCover({ isrc });
      expect(counts.covers).toBe(1);
    } finally {
      await second.stop();
    }
  });

  it('saves a track once when two creates race: one 200, one 409', async () => {
    const { baseUrl, stop } = await startTestServer();
    try {
      const client = createTrackManagerClient({ baseUrl, retry: 0 });
      const isrc = demoCatalog.trackAt(150).isrc;
      const results = await Promise.allSettled([client.createTrack({ isrc }), client.createTrack({ isrc })]);
      const statuses = results.map((result) =>
        result.status === 'fulfilled' ? 200 : isApiError(result.reason) ? result.reason.status : 'other',
      );
      expect(statuses.sort()).toEqual([200, 409]);
    } finally {
      await stop();
    }
  });

  it('keeps the original service headers and the request id', async () => {
    const { baseUrl, stop } = await startTestServer();
    try {
      const response = await fetch(`${baseUrl}/api/track/metadata/${demoCatalog.trackAt(2).isrc}`, {
        headers: { 'x-request-id': 'abc-123' },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-request-id')).toBe('abc-123');
      expect(response.headers.get('cache-control')).toBe('no-cache,no-store,max-age=0,must-revalidate');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
    } finally {
      await stop();
    }
  });

  it('serves the API docs page, the documents and the health check', async () => {
    const { baseUrl, stop } = await startTestServer();
    try {
      const page = await fetch(`${baseUrl}/api-docs`, { headers: { accept: 'text/html' } });
      expect(page.headers.get('content-type')).toMatch(/html/);
      expect(await page.text()).toContain('/api-docs/track-manager');
      const springdocStyle = await fetch(`${baseUrl}/api-docs`, { headers: { accept: 'application/json' } });
      expect((await springdocStyle.json()).paths['/api/track/create']).toBeDefined();
      const ui = await fetch(`${baseUrl}/api-docs/track-manager`);
      expect(await ui.text()).toContain('SwaggerUIBundle');
      expect((await fetch(`${baseUrl}/api-docs/assets/swagger-ui-bundle.js`)).status).toBe(200);
      // The original's springdoc paths: /swagger-ui.html redirects to the UI at /swagger-ui/index.html.
      const springdocUi = await fetch(`${baseUrl}/swagger-ui/index.html`);
      expect(springdocUi.status).toBe(200);
      expect(await springdocUi.text()).toContain("url: '/api-docs/track-manager.json'");
      const redirect = await fetch(`${baseUrl}/swagger-ui.html`, { redirect: 'manual' });
      expect(redirect.status).toBe(302);
      expect(redirect.headers.get('location')).toBe('/swagger-ui/index.html');
      expect(await (await fetch(`${baseUrl}/healthz`)).json()).toMatchObject({ status: 'ok' });
    } finally {
      await stop();
    }
  });
});
