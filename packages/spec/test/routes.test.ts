import { describe, expect, it } from 'vitest';
import { assertDistinctCatchAllPrefixes, namespaceOwner, RouteTable } from '../src/core/routes.js';
import { downloaderSpec } from '../src/downloader/index.gen.js';
import { apiRegistry } from '../src/registry.gen.js';
import { trackManagerSpec } from '../src/track-manager/index.gen.js';

describe('routing by path template across APIs', () => {
  it('names the parameters of templates that differ only by them after the matched method', () => {
    // The collections API's POST /v1/play_session/{scope} and GET /v1/play_session/{play_session_id}.
    const table = new RouteTable<string>();
    table.add('POST', '/v1/play_session/{scope}', 'createPlaySession');
    table.add('GET', '/v1/play_session/{play_session_id}', 'getPlaySession');
    expect(table.match('POST', '/v1/play_session/track')).toEqual({
      kind: 'found',
      value: 'createPlaySession',
      params: { scope: 'track' },
    });
    expect(table.match('GET', '/v1/play_session/abc')).toEqual({
      kind: 'found',
      value: 'getPlaySession',
      params: { play_session_id: 'abc' },
    });
  });

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

  it("gives an unknown /v1/ path outside the songs API's namespace to the collections API (its catch-all)", () => {
    const apis = apiRegistry.map((api) => ({
      key: api.key,
      paths: api.paths,
      catchAllPrefix: 'catchAllPrefix' in api ? api.catchAllPrefix : undefined,
    }));
    for (const path of ['/v1/nothing', '/v1/', '/v1/songsx/y', '/v1/a/b/c', '/v1/api_keys']) {
      expect(namespaceOwner(apis, path), path).toBe('collections');
    }
    for (const path of ['/v1/songs/x/y/z', '/v1/auth/nothing', '/v1/users/x/y']) {
      expect(namespaceOwner(apis, path), path).toBe('songs');
    }
    // Only under the prefix: `/v1` itself and `/v2/…` are nobody's.
    expect(namespaceOwner(apis, '/v1')).toBeUndefined();
    expect(namespaceOwner(apis, '/v2/collection')).toBeUndefined();
  });

  it('gives a path under two catch-all prefixes to the longer one', () => {
    const apis = [
      { key: 'outer', paths: ['/v1/a'], catchAllPrefix: '/v1/' },
      { key: 'inner', paths: ['/v1/b/c'], catchAllPrefix: '/v1/b/' },
    ];
    expect(namespaceOwner(apis, '/v1/b/x')).toBe('inner');
    expect(namespaceOwner(apis, '/v1/x')).toBe('outer');
    expect(() => assertDistinctCatchAllPrefixes(apis)).not.toThrow();
  });

  it('refuses two APIs claiming one catch-all prefix', () => {
    expect(() =>
      assertDistinctCatchAllPrefixes([
        { key: 'collections', catchAllPrefix: '/v1/' },
        { key: 'songs' },
        { key: 'other', catchAllPrefix: '/v1/' },
      ]),
    ).toThrow('The catch-all prefix /v1/ is claimed twice: by collections and other');
  });
});
