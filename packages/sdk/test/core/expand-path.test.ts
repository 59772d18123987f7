import { describe, expect, it } from 'vitest';
import { expandPath } from '../../src/core/index.js';

describe('expandPath', () => {
  it('URI-encodes every parameter', () => {
    expect(expandPath('/a/{id}', { id: 'x/y' })).toBe('/a/x%2Fy');
    expect(expandPath('/artists/{artistId}/albums/{albumId}', { artistId: 'Sigur Rós', albumId: 7 })).toBe(
      '/artists/Sigur%20R%C3%B3s/albums/7',
    );
    expect(expandPath('/search/{term}', { term: 'a?b#c&d' })).toBe('/search/a%3Fb%23c%26d');
  });

  it('throws on a missing parameter, including inherited names', () => {
    expect(() => expandPath('/tracks/{id}', {})).toThrow('Missing path parameter "id"');
    expect(() => expandPath('/tracks/{constructor}', {})).toThrow('Missing path parameter "constructor"');
  });

  it('rejects values that would address another resource', () => {
    for (const id of ['', '.', '..']) {
      expect(() => expandPath('/tracks/{id}', { id })).toThrow('Invalid path parameter "id"');
    }
  });
});
