import { describe, expect, it } from 'vitest';
import { collectionsSpec } from '../src/collections/index.gen.js';
import { RequestValidationError } from '../src/core/errors.js';
import { MAX_JSON_DEPTH } from '../src/core/input-limits.js';
import { type RawRequest, validateRequest } from '../src/core/request.js';
import { downloaderSpec } from '../src/downloader/index.gen.js';
import { songsSpec } from '../src/songs/index.gen.js';
import { trackManagerSpec } from '../src/track-manager/index.gen.js';

const request = (overrides: Partial<RawRequest> = {}): RawRequest => ({
  pathParams: {},
  query: new URLSearchParams(),
  header: () => undefined,
  body: undefined,
  ...overrides,
});

function issuesOf(run: () => unknown) {
  try {
    run();
  } catch (error) {
    if (error instanceof RequestValidationError) return error.issues;
    throw error;
  }
  throw new Error('expected a RequestValidationError');
}

describe('validateRequest', () => {
  it('reads comma-separated and repeated list parameters, trimming each value as the originals do', () => {
    const { listSongs } = songsSpec.operations;
    const [a, b] = ['3fa85f64-5717-4562-b3fc-2c963f66afa6', '9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d'];
    const spaced = validateRequest(listSongs, songsSpec.validators.listSongs, {
      ...request(),
      query: new URLSearchParams(`genres=Jazz, Blues&ids=-${a}, -${b}&moods=calm&moods= dark`),
    });
    const plain = validateRequest(listSongs, songsSpec.validators.listSongs, {
      ...request(),
      query: new URLSearchParams(`genres=Jazz,Blues&ids=-${a},-${b}&moods=calm,dark`),
    });
    expect(spaced.query.genres).toEqual(['Jazz', 'Blues']);
    expect(spaced.query.moods).toEqual(['calm', 'dark']);
    expect(spaced.query).toEqual(plain.query);
  });

  it('coerces query strings to their schema types and fills in parameter defaults', () => {
    const { query } = validateRequest(songsSpec.operations.listSongs, songsSpec.validators.listSongs, {
      ...request(),
      query: new URLSearchParams('offset=3'),
    });
    expect(query).toMatchObject({ offset: 3, limit: 25, archived: false });
  });

  it('fills schema defaults into a create body but never into an update body', () => {
    const created = validateRequest(
      collectionsSpec.operations.createTrack,
      collectionsSpec.validators.createTrack,
      {
        ...request(),
        body: { collection_id: '3fa85f64-5717-4562-b3fc-2c963f66afa6', file_name: 'a.wav' },
      },
    );
    const update = { player_title: 'Only this' };
    const updated = validateRequest(
      collectionsSpec.operations.updateTrack,
      collectionsSpec.validators.updateTrack,
      {
        ...request(),
        pathParams: { track_id: '3fa85f64-5717-4562-b3fc-2c963f66afa6' },
        body: { ...update },
      },
    );
    expect(collectionsSpec.operations.updateTrack.fillBodyDefaults).toBe(false);
    expect(updated.body).toEqual(update);
    expect(collectionsSpec.operations.createTrack.fillBodyDefaults).toBe(true);
    expect(created.body).toMatchObject({ file_name: 'a.wav' });
  });

  it("leaves a partial config update partial: the downloader's factory defaults never fill it", () => {
    const { updateConfig } = downloaderSpec.operations;
    const { body } = validateRequest(updateConfig, downloaderSpec.validators.updateConfig, {
      ...request(),
      body: { realTimeMultiplier: 2 },
    });
    expect(body).toEqual({ realTimeMultiplier: 2 });
  });

  it('reports one issue per field, with its location, keyword and limit', () => {
    const issues = issuesOf(() =>
      validateRequest(songsSpec.operations.updateSong, songsSpec.validators.updateSong, {
        ...request(),
        pathParams: { songId: 'not-a-uuid' },
        body: { title: 'x'.repeat(65) },
      }),
    );
    expect(issues).toEqual([
      expect.objectContaining({ location: 'path', field: 'songId', keyword: 'format' }),
      expect.objectContaining({
        location: 'body',
        field: 'title',
        keyword: 'maxLength',
        params: { limit: 64 },
      }),
    ]);
  });

  it('requires declared parameters and a required JSON body', () => {
    expect(
      issuesOf(() =>
        validateRequest(
          trackManagerSpec.operations.createTrack,
          trackManagerSpec.validators.createTrack,
          request(),
        ),
      ).map((issue) => `${issue.location}:${issue.field}`),
    ).toEqual(['query:isrc', 'header:Token']);
    expect(
      issuesOf(() => validateRequest(songsSpec.operations.login, songsSpec.validators.login, request())),
    ).toEqual([expect.objectContaining({ location: 'body', field: '', keyword: 'required' })]);
  });

  it('refuses a body nested deeper than MAX_JSON_DEPTH before its schema runs', () => {
    let metadata: unknown = 'leaf';
    for (let level = 0; level < 5000; level++) metadata = { a: metadata };
    const issues = issuesOf(() =>
      validateRequest(
        collectionsSpec.operations.createCollection,
        collectionsSpec.validators.createCollection,
        {
          ...request(),
          body: { title: 'Deep', metadata },
        },
      ),
    );
    expect(issues).toEqual([
      expect.objectContaining({ location: 'body', keyword: 'maxDepth', params: { limit: MAX_JSON_DEPTH } }),
    ]);
    // As deep as allowed is fine.
    let allowed: unknown = 'leaf';
    for (let level = 0; level < MAX_JSON_DEPTH - 2; level++) allowed = { a: allowed };
    expect(() =>
      validateRequest(
        collectionsSpec.operations.createCollection,
        collectionsSpec.validators.createCollection,
        {
          ...request(),
          body: { title: 'Deep enough', metadata: allowed },
        },
      ),
    ).not.toThrow();
  });

  it('refuses NUL characters and unpaired surrogates in query, path and body strings (keys too)', () => {
    const unstorable = (run: () => unknown) =>
      issuesOf(run).map((issue) => `${issue.location}:${issue.field}:${issue.keyword}`);
    expect(
      unstorable(() =>
        validateRequest(songsSpec.operations.listSongs, songsSpec.validators.listSongs, {
          ...request(),
          query: new URLSearchParams('phrase=a%00b'),
        }),
      ),
    ).toEqual(['query:phrase:unstorableCharacters']);
    expect(
      unstorable(() =>
        validateRequest(songsSpec.operations.getSong, songsSpec.validators.getSong, {
          ...request(),
          pathParams: { songId: '\u0000' },
        }),
      ),
    ).toEqual(['path:songId:unstorableCharacters']);
    expect(
      unstorable(() =>
        validateRequest(songsSpec.operations.login, songsSpec.validators.login, {
          ...request(),
          body: { email: 'a\u0000@example.com', password: 'x' },
        }),
      ),
    ).toEqual(['body:email:unstorableCharacters']);
    expect(
      unstorable(() =>
        validateRequest(
          collectionsSpec.operations.createCollection,
          collectionsSpec.validators.createCollection,
          {
            ...request(),
            body: { title: 'Keys', metadata: { nested: [{ 'k\u0000': 1 }] } },
          },
        ),
      ),
    ).toEqual(['body:metadata.nested.0.k\u0000:unstorableCharacters']);
    expect(
      unstorable(() =>
        validateRequest(
          collectionsSpec.operations.createCollection,
          collectionsSpec.validators.createCollection,
          {
            ...request(),
            body: { title: 'half \ud83c' },
          },
        ),
      ),
    ).toEqual(['body:title:unstorableCharacters']);
    // A paired surrogate (an emoji) is ordinary text.
    expect(() =>
      validateRequest(
        collectionsSpec.operations.createCollection,
        collectionsSpec.validators.createCollection,
        {
          ...request(),
          body: { title: 'emoji \ud83c\udfb5' },
        },
      ),
    ).not.toThrow();
  });
});
