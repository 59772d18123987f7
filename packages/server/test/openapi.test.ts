import { describe, expect, it } from 'vitest';
import { BINARY_BODY, loadApiDocument } from '../src/core/openapi.js';

describe('OpenAPI validation', () => {
  const document = loadApiDocument('track-manager', { validateResponses: true });
  const createTrack = document.operations.get('createTrack')!;
  const metadata = document.operations.get('getTrackMetadata')!;

  it('validates and coerces request input, one message per field', () => {
    expect(
      createTrack.validateRequest({ query: {}, path: {}, headers: { token: 'Bearer x' }, body: undefined }),
    ).toEqual([{ location: 'query', field: 'isrc', message: 'is required' }]);
    const issues = createTrack.validateRequest({
      query: { isrc: 'short' },
      path: {},
      headers: { token: 'x' },
      body: undefined,
    });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ location: 'query', field: 'isrc' });
  });

  it('catches a response that drifts from the document', () => {
    const valid = {
      isrc: 'GBAYE0800657',
      name: 'n',
      artistName: 'a',
      albumName: 'b',
      albumId: 'c',
      isExplicit: false,
      playbackSeconds: 1,
      cover_image: 'https://example.org/x.jpg',
    };
    expect(metadata.validateResponse(200, 'application/json', valid)).toEqual([]);
    const { playbackSeconds: _, ...missingDuration } = valid;
    expect(metadata.validateResponse(200, 'application/json', missingDuration)).not.toEqual([]);
    expect(metadata.validateResponse(200, 'application/json', { ...valid, isExplicit: 'no' })).not.toEqual(
      [],
    );
    expect(metadata.validateResponse(418, 'application/json', valid)).toEqual([
      'status 418 is not documented for getTrackMetadata',
    ]);
    expect(metadata.validateResponse(200, 'text/html', valid)[0]).toMatch(/content-type/);
    expect(
      document.operations.get('getTrackCover')!.validateResponse(200, 'image/jpeg', BINARY_BODY),
    ).toEqual([]);
  });
});
