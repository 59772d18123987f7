import { documents } from '@music-apis/spec/documents';
import { describe, expect, it } from 'vitest';
import { BINARY_BODY, createResponseChecker } from '../src/core/http/response-check.js';

describe('response checks (VALIDATE_RESPONSES)', () => {
  const check = createResponseChecker(documents.trackManager);
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

  it('accepts a response that matches the document', () => {
    expect(check('getTrackMetadata', 200, 'application/json', valid)).toEqual([]);
    expect(check('getTrackCover', 200, 'image/jpeg', BINARY_BODY)).toEqual([]);
  });

  it('catches a response that drifts from the document', () => {
    const { playbackSeconds: _, ...missingDuration } = valid;
    expect(check('getTrackMetadata', 200, 'application/json', missingDuration)).not.toEqual([]);
    expect(check('getTrackMetadata', 200, 'application/json', { ...valid, isExplicit: 'no' })).not.toEqual(
      [],
    );
    expect(check('getTrackMetadata', 418, 'application/json', valid)).toEqual([
      'status 418 is not documented for getTrackMetadata',
    ]);
    expect(check('getTrackMetadata', 200, 'text/html', valid)[0]).toMatch(/content-type/);
  });
});
