import { describe, expect, it } from 'vitest';
import { namespaceOwner, RouteTable } from '../src/core/routes.js';
import { downloaderSpec } from '../src/downloader/index.gen.js';
import { apiRegistry } from '../src/registry.gen.js';
import { trackManagerSpec } from '../src/track-manager/index.gen.js';

describe('routing by path template across APIs', () => {
  it('holds every operation of every API without a conflict, the track manager beside the downloader', () => {
    const table = new RouteTable<string>();
    for (const spec of [trackManagerSpec, downloaderSpec]) {
      for (const operation of Object.values(spec.operations)) {
        table.add(operation.method, operation.path, `${spec.key}.${operation.operationId}`);
      }
    }
    expect(table.match('POST', '/api/track/create')).toMatchObject({ value: 'trackManager.createTrack' });
    expect(table.match('GET', '/api/track/info')).toMatchObject({ value: 'downloader.getTrackInfo' });
    expect(table.match('GET', '/api/track/download/abc')).toMatchObject({
      value: 'downloader.downloadTrack',
      params: { track_id: 'abc' },
    });
    // A literal segment wins over a parameter.
    expect(table.match('GET', '/api/track/download/cancel')).toMatchObject({
      value: 'downloader.cancelTrackDownload',
    });
    expect(table.match('DELETE', '/api/track/info')).toEqual({
      kind: 'method-not-allowed',
      allowed: ['GET'],
    });
  });

  it('refuses two operations on one method and path', () => {
    const table = new RouteTable<string>();
    table.add('GET', '/v1/songs/{songId}', 'songs.getSong');
    expect(() => table.add('GET', '/v1/songs/{id}', 'other.getThing')).toThrow(
      'GET /v1/songs/{id} is claimed twice: by songs.getSong and other.getThing',
    );
  });

  it('gives an unknown path to the API whose namespace it is in', () => {
    const apis = apiRegistry.map((api) => ({ key: api.key, paths: api.paths }));
    expect(namespaceOwner(apis, '/v1/songs/x/y/z')).toBe('songs');
    expect(namespaceOwner(apis, '/v1/collection/x/nothing')).toBe('collections');
    expect(namespaceOwner(apis, '/api/prgs/x/y')).toBe('downloader');
    expect(namespaceOwner(apis, '/nowhere/at/all')).toBeUndefined();
  });
});
