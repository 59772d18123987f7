import { randomBytes, randomUUID } from 'node:crypto';
import { SONGS_DEMO_LOGIN, wavFile } from '@music-apis/catalog';
import { SONGS_JOIN_CODE_LIMITS } from '@music-apis/domain';
import { isApiError } from '@music-apis/sdk';
import {
  type CreateSongParams,
  createSongsClient,
  type Song,
  type SongsClient,
  type SongsErrorBody,
  streamUrlParams,
  type UpdateSongParams,
} from '@music-apis/sdk/songs';
import { expect } from 'vitest';
import { defineScenarios, type ScenarioContext } from '../scenario.js';
import { expectApiError } from './expect-api-error.js';

const PASSWORD = 'Secret123';
const unique = () => randomUUID().slice(0, 8);

const publicClient = ({ baseUrl }: ScenarioContext) => createSongsClient({ baseUrl, retry: 0 });
const clientFor = ({ baseUrl }: ScenarioContext, email: string, password = PASSWORD) =>
  createSongsClient({ baseUrl, retry: 0, auth: { email, password } });

/** The newest sign-up code mailed to `email`, read from the development outbox (`GET /dev/mail`). */
async function mailedCode(context: ScenarioContext, email: string): Promise<string> {
  const response = await fetch(`${context.baseUrl}/dev/mail`);
  expect(response.status).toBe(200);
  const outbox = (await response.json()) as { recipient: string; subject: string; text: string }[];
  const message = outbox.find((entry) => entry.recipient === email);
  expect(message, `no mail to ${email}`).toBeDefined();
  const code = /\b(\d{6})\b/.exec(message!.text)?.[1];
  expect(code).toMatch(/^\d{6}$/);
  return code!;
}

/** A fresh user, signed up with the emailed code, and a client logged in as them. */
async function signUp(
  context: ScenarioContext,
): Promise<{ email: string; userId: string; api: SongsClient }> {
  const email = `artist-${unique()}@example.com`;
  const api = publicClient(context);
  await api.sendJoinCode({ email });
  const authCode = await mailedCode(context, email);
  const { userId } = await api.createUser({
    body: {
      email,
      authCode,
      newPassword: PASSWORD,
      confirmPassword: PASSWORD,
    },
  });
  return { email, userId, api: clientFor(context, email) };
}

async function expectSongsError(call: Promise<unknown>, status: number, cause?: string | RegExp) {
  const body = await expectApiError<SongsErrorBody>(call, status);
  expect(body).toEqual({ code: status, description: expect.any(String), cause: expect.any(String) });
  if (typeof cause === 'string') expect(body.cause).toBe(cause);
  else if (cause) expect(body.cause).toMatch(cause);
  return body;
}

/** 401 as the original's JWT plugin answers it: no body, a bearer challenge. */
async function expectBearerChallenge(call: Promise<unknown>) {
  const error = await call.then(
    () => {
      throw new Error('expected 401');
    },
    (caught: unknown) => caught,
  );
  if (!isApiError(error)) throw error;
  expect(error.status).toBe(401);
  expect(error.body).toBeUndefined();
  expect(error.response.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
}

/** Byte-for-byte equality, without a megabyte-sized deep comparison. */
function expectBytes(actual: ArrayBuffer | Uint8Array, expected: Uint8Array) {
  const bytes = actual instanceof Uint8Array ? actual : new Uint8Array(actual);
  expect(bytes.length).toBe(expected.length);
  expect(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).equals(expected)).toBe(true);
}

const createdAtMs = (song: Song) => Date.parse(`${song.createdAt}Z`);
const titles = (songs: Song[]) => songs.map((song) => song.title);

export const songsScenarios = defineScenarios('songs', 'songs', [
  {
    name: 'sign up with the emailed code, log in, refresh rotates the refresh token',
    covers: ['sendJoinCode', 'createUser', 'login', 'refreshToken', 'countSongs'],
    async run(context) {
      const api = publicClient(context);
      const email = `Artist-${unique()}@Example.com`;
      await api.sendJoinCode({ email });
      const code = await mailedCode(context, email.toLowerCase());
      const wrongCode = code === '000000' ? '111111' : '000000';
      const signUp = { email, newPassword: PASSWORD, confirmPassword: PASSWORD };
      await expectSongsError(api.createUser({ body: { ...signUp, authCode: wrongCode } }), 403, '2FA failed');
      await expectSongsError(
        api.createUser({ body: { ...signUp, authCode: code, newPassword: 'weak', confirmPassword: 'weak' } }),
        422,
        /^Password must contain/,
      );
      await expectSongsError(
        api.createUser({ body: { ...signUp, authCode: code, confirmPassword: 'Secret124' } }),
        422,
        'Password confirmation failed',
      );
      const { userId } = await api.createUser({ body: { ...signUp, authCode: code } });
      expect(userId).toMatch(/^[0-9a-f-]{36}$/);
      // The code worked once; the address is now taken.
      await expectSongsError(api.createUser({ body: { ...signUp, authCode: code } }), 409);

      await expectSongsError(api.login({ body: { email, password: 'Wrong1234' } }), 401, 'Invalid password');
      await expectSongsError(
        api.login({ body: { email: `nobody-${unique()}@example.com`, password: PASSWORD } }),
        404,
      );
      const tokens = await api.login({ body: { email: email.toUpperCase(), password: PASSWORD } });
      const claims = JSON.parse(Buffer.from(tokens.accessToken.split('.')[1]!, 'base64url').toString());
      expect(claims).toMatchObject({
        iss: 'https://newm.io',
        aud: 'newm-server-users',
        sub: userId,
        type: 'Access',
      });
      expect(claims.exp - claims.iat).toBe(3600);
      const refreshClaims = JSON.parse(
        Buffer.from(tokens.refreshToken.split('.')[1]!, 'base64url').toString(),
      );
      expect(refreshClaims).toMatchObject({ sub: userId, type: 'Refresh' });
      expect(refreshClaims.exp - refreshClaims.iat).toBe(604_800);

      const rotated = await api.refreshToken({ refreshToken: tokens.refreshToken });
      expect(rotated.refreshToken).not.toBe(tokens.refreshToken);
      // Reused refresh token, an access token where a refresh token belongs, a forged one: 401.
      await expectBearerChallenge(api.refreshToken({ refreshToken: tokens.refreshToken }));
      await expectBearerChallenge(api.refreshToken({ refreshToken: rotated.accessToken }));
      await expectBearerChallenge(
        api.refreshToken({ refreshToken: `${rotated.refreshToken.slice(0, -4)}AAAA` }),
      );
      // The rotated pair works.
      const withToken = createSongsClient({ baseUrl: context.baseUrl, retry: 0, auth: rotated.accessToken });
      expect(await withToken.countSongs({ ownerIds: ['me'] })).toEqual({ count: 0 });
      await api.refreshToken({ refreshToken: rotated.refreshToken });
      // A refresh token is not an access token.
      const withRefresh = createSongsClient({
        baseUrl: context.baseUrl,
        retry: 0,
        auth: rotated.refreshToken,
      });
      await expectBearerChallenge(withRefresh.countSongs());
    },
  },
  {
    name: 'the session helper logs in, refreshes once after the token is dropped, and retries',
    covers: ['login', 'refreshToken', 'createSong', 'listSongs'],
    async run(context) {
      const { api } = await signUp(context);
      await api.createSong({ body: { title: `Session ${unique()}`, genres: ['Pop'] } });
      const first = api.session!.tokens!;
      api.session!.invalidate();
      // Concurrent calls after the token is dropped share one refresh (a refresh token works once).
      const pages = await Promise.all([
        api.listSongs({ ownerIds: ['me'] }),
        api.listSongs({ ownerIds: ['me'] }),
      ]);
      expect(pages.map((page) => page.length)).toEqual([1, 1]);
      const second = api.session!.tokens!;
      expect(second.refreshToken).not.toBe(first.refreshToken);
      await expectBearerChallenge(publicClient(context).refreshToken({ refreshToken: first.refreshToken }));
    },
  },
  {
    name: 'create, get, patch (absent untouched, empty clears, server fields ignored), delete',
    covers: ['createSong', 'getSong', 'updateSong', 'deleteSong'],
    async run(context) {
      const { api, userId } = await signUp(context);
      const title = `Blinding Lights ${unique()}`;
      const { songId } = await api.createSong({
        body: {
          title,
          genres: ['Synthwave', 'Synthpop'],
          moods: ['Cool', 'Upbeat'],
          coverArtUrl: 'https://www.example.com/bindinglights/cover.png',
          description: 'Song by The Weeknd',
          compositionCopyrightOwner: '© The Weeknd',
          compositionCopyrightYear: 2023,
          barcodeType: 'Jan',
          releaseDate: '2019-11-29',
        },
      });
      const song = await api.getSong({ songId });
      expect(song).toMatchObject({
        id: songId,
        ownerId: userId,
        title,
        genres: ['Synthwave', 'Synthpop'],
        moods: ['Cool', 'Upbeat'],
        archived: false,
        coverRemixSample: false,
        audioEncodingStatus: 'NotStarted',
        mintingStatus: 'Undistributed',
        marketplaceStatus: 'NotSelling',
        barcodeType: 'Jan',
        releaseDate: '2019-11-29',
      });
      expect(song.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$/);
      expect(Object.values(song)).not.toContain(null);
      expect(song).not.toHaveProperty('lyricsUrl');

      await api.updateSong({
        songId,
        body: {
          description: '',
          moods: ['Energetic'],
          track: 3,
          // Server-set fields are ignored.
          mintingStatus: 'Minted',
          ownerId: randomUUID(),
        } as UpdateSongParams['body'],
      });
      const patched = await api.getSong({ songId });
      expect(patched).not.toHaveProperty('description');
      expect(patched).toMatchObject({
        title,
        moods: ['Energetic'],
        track: 3,
        genres: ['Synthwave', 'Synthpop'],
        coverArtUrl: 'https://www.example.com/bindinglights/cover.png',
        mintingStatus: 'Undistributed',
        ownerId: userId,
        createdAt: song.createdAt,
      });

      await api.deleteSong({ songId });
      await expectSongsError(api.getSong({ songId }), 404, new RegExp(songId));
      await expectSongsError(api.deleteSong({ songId }), 404);
    },
  },
  {
    name: 'every filter: genres, moods, phrase, ownerIds=me, olderThan/newerThan, ids, exclusion, order, paging',
    covers: ['createSong', 'listSongs', 'countSongs', 'updateSong'],
    async run(context) {
      const { api, userId } = await signUp(context);
      const tag = unique();
      const specs = [
        { title: `Alpha ${tag}`, genres: ['Rock', 'Pop'], moods: ['Happy'], description: 'first SONG' },
        { title: `Beta ${tag}`, genres: ['Pop'], moods: ['Sad'], album: 'Moonlight Sessions' },
        { title: `Gamma ${tag}`, genres: ['Jazz'], moods: ['Happy', 'Calm'] },
        { title: `Delta ${tag}`, genres: ['Rock'], moods: ['Dark'] },
      ];
      const ids: string[] = [];
      for (const spec of specs) ids.push((await api.createSong({ body: spec })).songId);
      const mine = await api.listSongs({ ownerIds: ['me'] });
      expect(titles(mine)).toEqual(specs.map((spec) => spec.title));
      expect(mine.every((song) => song.ownerId === userId)).toBe(true);
      expect(await api.countSongs({ ownerIds: ['me'] })).toEqual({ count: 4 });
      expect(await api.countSongs({ ownerIds: [userId.toUpperCase()] })).toEqual({ count: 4 });

      const list = async (query: Parameters<SongsClient['listSongs']>[0]) =>
        titles(await api.listSongs({ ownerIds: ['me'], ...query }));
      const count = async (query: Parameters<SongsClient['countSongs']>[0]) =>
        (await api.countSongs({ ownerIds: ['me'], ...query })).count;
      const [alpha, beta, gamma, delta] = specs.map((spec) => spec.title);

      expect(await list({ genres: ['Pop'] })).toEqual([alpha, beta]);
      expect(await list({ genres: ['Jazz', 'Pop'] })).toEqual([alpha, beta, gamma]);
      expect(await list({ genres: ['-Pop'] })).toEqual([gamma, delta]);
      expect(await list({ genres: ['Rock', '-Pop'] })).toEqual([delta]);
      expect(await list({ genres: ['+Jazz'] })).toEqual([gamma]);
      expect(await count({ genres: ['Rock', '-Pop'] })).toBe(1);
      expect(await list({ moods: ['Happy'] })).toEqual([alpha, gamma]);
      expect(await list({ moods: ['-Happy', '-Dark'] })).toEqual([beta]);
      expect(await list({ phrase: 'song' })).toEqual([alpha]); // description, case-insensitive
      expect(await list({ phrase: 'MOONLIGHT' })).toEqual([beta]); // album
      expect(await list({ phrase: `gamma ${tag}` })).toEqual([gamma]); // title
      expect(await list({ phrase: '%' })).toEqual([]); // LIKE wildcards are literal
      expect(await list({ ids: [ids[1]!, ids[2]!] })).toEqual([beta, gamma]);
      expect(await list({ ids: [`-${ids[0]}`] })).toEqual([beta, gamma, delta]);
      expect(await list({ ownerIds: ['-me'], ids })).toEqual([]);
      expect(await list({ mintingStatuses: ['Undistributed'] })).toEqual([alpha, beta, gamma, delta]);
      expect(await list({ mintingStatuses: ['-Undistributed'] })).toEqual([]);
      expect(await list({ nftNames: ['no-such-nft'] })).toEqual([]);
      expect(await list({ nftNames: ['-no-such-nft'] })).toEqual([alpha, beta, gamma, delta]);

      expect(await list({ sortOrder: 'desc' })).toEqual([delta, gamma, beta, alpha]);
      expect(await list({ sortOrder: 'DESC', limit: 2 })).toEqual([delta, gamma]);
      expect(await list({ offset: 1, limit: 2 })).toEqual([beta, gamma]);
      expect(await list({ offset: 4 })).toEqual([]);
      expect(await list({ limit: 0 })).toEqual([]);
      const pages: string[][] = [];
      for await (const page of api.listSongPages({ ownerIds: ['me'], limit: 3 })) pages.push(titles(page));
      expect(pages).toEqual([[alpha, beta, gamma], [delta]]);

      // Time bounds are strict; expectations come from the stored createdAt values.
      const pivot = mine[1]!;
      const toQuery = (song: Song) => song.createdAt;
      expect(await list({ newerThan: toQuery(pivot) })).toEqual(
        titles(mine.filter((song) => createdAtMs(song) > createdAtMs(pivot))),
      );
      expect(await list({ olderThan: toQuery(pivot) })).toEqual(
        titles(mine.filter((song) => createdAtMs(song) < createdAtMs(pivot))),
      );
      expect(
        await list({ newerThan: '2000-01-01T00:00', olderThan: '2999-12-31T23:59:59.999999999' }),
      ).toEqual([alpha, beta, gamma, delta]);
      expect(await list({ olderThan: '2000-01-01T00:00:00' })).toEqual([]);

      // archived=true lists only archived songs; archived songs leave the default listing.
      await api.updateSong({ songId: ids[3]!, body: { archived: true } });
      expect(await list({})).toEqual([alpha, beta, gamma]);
      expect(await list({ archived: true })).toEqual([delta]);
      expect(await count({ archived: true })).toBe(1);
      // Other owners' songs are visible to everyone without ownerIds.
      expect(await api.countSongs()).toEqual({ count: expect.any(Number) });
      expect((await api.countSongs()).count).toBeGreaterThan(3);
    },
  },
  {
    name: 'genres ordered by how many matching songs use them, with paging and genre count',
    covers: ['listSongGenres', 'countSongGenres', 'createSong'],
    async run(context) {
      const { api } = await signUp(context);
      const tag = unique();
      const songs = [['Rock', 'Pop', 'Jazz'], ['Rock', 'Pop'], ['Rock', 'Blues'], ['Ambient']];
      for (const [index, genres] of songs.entries()) {
        await api.createSong({
          body: {
            title: `Genre test ${index} ${tag}`,
            genres,
            moods: index === 3 ? ['Calm'] : [],
          },
        });
      }
      const me = { ownerIds: ['me'] };
      // Rock 3, Pop 2, then Ambient, Blues, Jazz with 1 each (ties by name).
      expect(await api.listSongGenres(me)).toEqual(['Rock', 'Pop', 'Ambient', 'Blues', 'Jazz']);
      expect(await api.listSongGenres({ ...me, sortOrder: 'asc' })).toEqual([
        'Ambient',
        'Blues',
        'Jazz',
        'Pop',
        'Rock',
      ]);
      expect(await api.listSongGenres({ ...me, offset: 1, limit: 2 })).toEqual(['Pop', 'Ambient']);
      expect(await api.countSongGenres(me)).toEqual({ count: 5 });
      // Filters select the songs first: genres of songs that have Pop.
      expect(await api.listSongGenres({ ...me, genres: ['Pop'] })).toEqual(['Pop', 'Rock', 'Jazz']);
      expect(await api.countSongGenres({ ...me, genres: ['Pop'] })).toEqual({ count: 3 });
      expect(await api.countSongGenres({ ...me, moods: ['Calm'] })).toEqual({ count: 1 });
      expect(await api.countSongGenres({ ...me, genres: ['-Rock', '-Ambient'] })).toEqual({ count: 0 });
      expect(await api.listSongGenres({ ...me, phrase: 'no such phrase' })).toEqual([]);
      // Without filters the demo catalog's genres are counted too.
      expect((await api.countSongGenres()).count).toBeGreaterThanOrEqual(5);
    },
  },
  {
    name: 'a title is unique per owner among non-archived songs (409), and only the owner may write (403)',
    covers: [
      'createSong',
      'updateSong',
      'deleteSong',
      'getSong',
      'uploadSongAudio',
      'processSongStreamTokenAgreement',
    ],
    async run(context) {
      const owner = await signUp(context);
      const other = await signUp(context);
      const title = `Unique ${unique()}`;
      const { songId } = await owner.api.createSong({ body: { title, genres: ['Pop'] } });
      await expectSongsError(
        owner.api.createSong({ body: { title: title.toUpperCase(), genres: ['Rock'] } }),
        409,
        `Title already exists: ${title.toUpperCase()}`,
      );
      const second = await owner.api.createSong({ body: { title: `${title} (live)`, genres: ['Pop'] } });
      await expectSongsError(owner.api.updateSong({ songId: second.songId, body: { title } }), 409);
      // Another owner may use the title.
      await other.api.createSong({ body: { title, genres: ['Pop'] } });
      // Archiving frees it; un-archiving would then clash.
      await owner.api.updateSong({ songId, body: { archived: true } });
      const third = await owner.api.createSong({ body: { title, genres: ['Pop'] } });
      await expectSongsError(owner.api.updateSong({ songId, body: { archived: false } }), 409);
      expect((await owner.api.getSong({ songId: third.songId })).title).toBe(title);

      // Anyone signed in may read; only the owner may write.
      expect((await other.api.getSong({ songId })).ownerId).toBe(owner.userId);
      const notOwner = 'operation allowed only by owner';
      await expectSongsError(
        other.api.updateSong({ songId, body: { description: 'mine now' } }),
        403,
        notOwner,
      );
      await expectSongsError(other.api.deleteSong({ songId }), 403, notOwner);
      await expectSongsError(
        other.api.uploadAudio(songId, wavFile({ seconds: 30, sampleRate: 44_100 })),
        403,
        notOwner,
      );
      await expectSongsError(
        other.api.processSongStreamTokenAgreement({ songId, body: { accepted: true } }),
        403,
        notOwner,
      );
      expect(await owner.api.getSong({ songId })).not.toHaveProperty('description');
    },
  },
  {
    name: 'bad input gets the documented 4xx: missing fields, over-long fields, bad URLs, bad filters, bad ids, no token',
    covers: [
      'createSong',
      'updateSong',
      'listSongs',
      'countSongs',
      'listSongGenres',
      'getSong',
      'sendJoinCode',
    ],
    async run(context) {
      const { api } = await signUp(context);
      type NewSongBody = CreateSongParams['body'];
      await expectSongsError(
        api.createSong({ body: { genres: ['Pop'] } as NewSongBody }),
        400,
        'missing title',
      );
      await expectSongsError(
        api.createSong({ body: { title: 'No genres' } as NewSongBody }),
        400,
        'missing genres',
      );
      await expectSongsError(api.createSong({ body: { title: '', genres: ['Pop'] } }), 400, 'missing title');
      await expectSongsError(
        api.createSong({ body: { title: 'x'.repeat(65), genres: ['Pop'] } }),
        422,
        'Field title exceeds 64 chars limit',
      );
      await expectSongsError(
        api.createSong({
          body: { title: 'Long description', genres: ['Pop'], description: 'd'.repeat(251) },
        }),
        422,
        'Field description exceeds 250 chars limit',
      );
      await expectSongsError(
        api.createSong({ body: { title: 'Long genre', genres: ['g'.repeat(65)] } }),
        422,
        'Field genres0 exceeds 64 chars limit',
      );
      await expectSongsError(
        api.createSong({ body: { title: 'Bad cover', genres: ['Pop'], coverArtUrl: 'cover.png' } }),
        422,
        'Invalid url: cover.png',
      );
      await expectSongsError(
        api.createSong({ body: { title: 'Bad barcode', genres: ['Pop'], barcodeType: 'Isbn' as 'Upc' } }),
        422,
      );
      await expectSongsError(
        api.createSong({ body: { title: 'Bad date', genres: ['Pop'], releaseDate: '2023-02-30' } }),
        422,
      );
      await expectSongsError(
        api.createSong({
          body: { title: 'Bad track', genres: ['Pop'], track: 'three' as unknown as number },
        }),
        400,
      );
      // 64 characters (astral ones count once) is fine.
      const { songId } = await api.createSong({ body: { title: '🎵'.repeat(64), genres: ['Pop'] } });
      await expectSongsError(
        api.updateSong({ songId, body: { album: 'a'.repeat(65) } }),
        422,
        'Field album exceeds 64 chars limit',
      );
      await expectSongsError(
        api.updateSong({ songId, body: { lyricsUrl: 'not a url' } }),
        422,
        'Invalid url: not a url',
      );
      await expectSongsError(api.updateSong({ songId, body: { title: '  ' } }), 422);
      expect((await api.getSong({ songId })).title).toBe('🎵'.repeat(64));

      await expectSongsError(api.listSongs({ mintingStatuses: ['Minting' as 'Minted'] }), 422);
      await expectSongsError(api.listSongs({ ids: ['not-a-uuid'] }), 422);
      await expectSongsError(api.listSongs({ ownerIds: ['you'] }), 422);
      await expectSongsError(api.countSongs({ olderThan: 'yesterday' }), 422);
      await expectSongsError(
        api.countSongs({ newerThan: '2023-02-30T00:00' }),
        422,
        "Text '2023-02-30T00:00' could not be parsed",
      );
      await expectSongsError(api.listSongs({ limit: -1 }), 422);
      // At most 10,000 per page (the documented maximum, issue 10); 10,000 itself is fine.
      await expectSongsError(api.listSongs({ limit: 10_001 }), 422);
      expect(await api.listSongs({ limit: 10_000, offset: 2_147_483_647 })).toEqual([]);
      await expectSongsError(api.listSongs({ offset: 'x' as unknown as number }), 422);
      await expectSongsError(api.listSongs({ sortOrder: 'up' as 'asc' }), 422);
      await expectSongsError(api.listSongGenres({ archived: 'maybe' as unknown as boolean }), 422);

      await expectSongsError(api.getSong({ songId: 'not-a-uuid' }), 422, 'Invalid UUID string: not-a-uuid');
      await expectSongsError(api.getSong({ songId: randomUUID() }), 404);
      await expectBearerChallenge(publicClient(context).listSongs());
      await expectBearerChallenge(
        createSongsClient({ baseUrl: context.baseUrl, retry: 0, auth: 'not.a.jwt' }).getSong({ songId }),
      );

      const response = await fetch(`${context.baseUrl}/v1/auth/code`);
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        code: 400,
        description: 'Bad Request',
        cause: 'Missing parameter: email',
      });
      await expectSongsError(publicClient(context).sendJoinCode({ email: 'not-an-email' }), 400);
    },
  },
  {
    name: 'join codes are limited per email: past 5 in the window, 429 with Retry-After and no mail',
    covers: ['sendJoinCode'],
    async run(context) {
      const email = `flooded-${unique()}@example.com`;
      // fetch, not the SDK: its retries would honour Retry-After and wait out the window.
      const ask = () => fetch(`${context.baseUrl}/v1/auth/code?email=${encodeURIComponent(email)}`);
      for (let n = 0; n < SONGS_JOIN_CODE_LIMITS.perEmail; n++) expect((await ask()).status).toBe(204);
      const refused = await ask();
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await refused.json()).toEqual({
        code: 429,
        description: 'Too Many Requests',
        cause: expect.stringMatching(/^Too many codes requested, try again in \d+ seconds$/),
      });
    },
  },
  {
    name: 'audio upload: a real 30 s 44.1 kHz WAV is accepted with its report; short, low-rate, MP3 and junk files are 422',
    covers: ['uploadSongAudio', 'getSong'],
    async run(context) {
      const { api } = await signUp(context);
      const { songId } = await api.createSong({ body: { title: `Audio ${unique()}`, genres: ['Ambient'] } });
      const wav = wavFile({ seconds: 30, sampleRate: 44_100 });
      const report = await api.uploadAudio(songId, wav);
      expect(report).toEqual({
        url: expect.stringMatching(new RegExp(`/${songId}/audio\\.wav$`)),
        mimeType: 'audio/vnd.wave',
        fileSize: wav.length,
        duration: 30,
        sampleRate: 44_100,
      });
      expect(await api.getSong({ songId })).toMatchObject({
        originalAudioUrl: report.url,
        duration: 30,
        audioEncodingStatus: 'Started',
      });
      // The same file as a stream (a Node stream or any async iterable), 48 kHz stereo.
      const stereo = wavFile({ seconds: 31, sampleRate: 48_000, channels: 2 });
      async function* chunks() {
        for (let offset = 0; offset < stereo.length; offset += 256 * 1024)
          yield stereo.subarray(offset, offset + 256 * 1024);
      }
      expect(await api.uploadAudio(songId, chunks())).toMatchObject({
        duration: 31,
        sampleRate: 48_000,
        fileSize: stereo.length,
      });

      const mp3Like = new Uint8Array(1_200_000);
      mp3Like.set([0x49, 0x44, 0x33, 0x04, 0x00]); // "ID3" tag header
      const junk = new Uint8Array(randomBytes(1_200_000));
      junk.set([0x00, 0x01, 0x02, 0x03]);
      const rejections: [Uint8Array, string][] = [
        [wavFile({ seconds: 10, sampleRate: 44_100, channels: 2 }), 'Duration is too short: 10 secs'],
        [wavFile({ seconds: 30, sampleRate: 22_050 }), 'Sample rate is too low: 22050 Hz'],
        [mp3Like, 'Unsupported media type: audio/mpeg'],
        [junk, 'Unsupported media type: application/octet-stream'],
        [new Uint8Array(52_311), 'File is too small: 52311 bytes'],
      ];
      for (const [file, cause] of rejections) {
        await expectSongsError(api.uploadAudio(songId, file), 422, cause);
        const song = await api.getSong({ songId });
        // A rejected file changes nothing but the status: the previous audio stays.
        expect(song).toMatchObject({ audioEncodingStatus: 'Failed', duration: 31 });
        expect(song.originalAudioUrl).toMatch(/\/audio\.wav$/);
      }
      await expectSongsError(api.uploadAudio(randomUUID(), wav), 404);
    },
  },
  {
    name: 'stream-token agreement: accepting generates the document (none needed beforehand); the 422s left are an unverified owner and a bad id; reject resets',
    covers: ['processSongStreamTokenAgreement', 'getSong', 'createSong', 'login'],
    async run(context) {
      const unverified = await signUp(context);
      const { songId: unverifiedSong } = await unverified.api.createSong({
        body: {
          title: `Unverified ${unique()}`,
          genres: ['Pop'],
        },
      });
      const notVerified = 'operation allowed only after owner is KYC verified';
      await expectSongsError(
        unverified.api.processSongStreamTokenAgreement({ songId: unverifiedSong, body: { accepted: true } }),
        422,
        notVerified,
      );
      // Rejecting needs a verified owner too (the original checks before either).
      await expectSongsError(
        unverified.api.processSongStreamTokenAgreement({ songId: unverifiedSong, body: { accepted: false } }),
        422,
        notVerified,
      );
      expect(await unverified.api.getSong({ songId: unverifiedSong })).toMatchObject({
        mintingStatus: 'Undistributed',
      });
      // The other demo artists are not KYC-verified (README): their login works, the agreement does not.
      const secondArtist = createSongsClient({
        baseUrl: context.baseUrl,
        retry: 0,
        auth: { email: 'artist2@music-apis.dev', password: SONGS_DEMO_LOGIN.password },
      });
      const { songId: secondSong } = await secondArtist.createSong({
        body: { title: `Second artist ${unique()}`, genres: ['Pop'] },
      });
      await expectSongsError(
        secondArtist.processSongStreamTokenAgreement({ songId: secondSong, body: { accepted: true } }),
        422,
        notVerified,
      );

      // The demo login is KYC-verified: a brand-new song (no document exists yet) is accepted at once.
      const demo = createSongsClient({ baseUrl: context.baseUrl, retry: 0, auth: { ...SONGS_DEMO_LOGIN } });
      const { songId } = await demo.createSong({ body: { title: `Agreement ${unique()}`, genres: ['Pop'] } });
      await demo.processSongStreamTokenAgreement({ songId, body: { accepted: true } });
      const accepted = await demo.getSong({ songId });
      expect(accepted.mintingStatus).toBe('StreamTokenAgreementApproved');
      expect(accepted.tokenAgreementUrl).toMatch(new RegExp(`/${songId}/StreamTokenAgreement\\.pdf$`));
      // Accepting again renews the document and keeps the approval.
      await demo.processSongStreamTokenAgreement({ songId, body: { accepted: true } });
      expect(await demo.getSong({ songId })).toMatchObject({
        mintingStatus: 'StreamTokenAgreementApproved',
        tokenAgreementUrl: accepted.tokenAgreementUrl,
      });
      await demo.processSongStreamTokenAgreement({ songId, body: { accepted: false } });
      const rejected = await demo.getSong({ songId });
      expect(rejected.mintingStatus).toBe('Undistributed');
      expect(rejected).not.toHaveProperty('tokenAgreementUrl');
      // Accepting after a rejection generates the document anew.
      await demo.processSongStreamTokenAgreement({ songId, body: { accepted: true } });
      expect(await demo.getSong({ songId })).toMatchObject({
        mintingStatus: 'StreamTokenAgreementApproved',
        tokenAgreementUrl: accepted.tokenAgreementUrl,
      });
      await expectSongsError(
        demo.processSongStreamTokenAgreement({ songId, body: {} as { accepted: boolean } }),
        400,
        'missing accepted',
      );
      await expectSongsError(
        demo.processSongStreamTokenAgreement({ songId: 'not-a-uuid', body: { accepted: true } }),
        422,
        'Invalid UUID string: not-a-uuid',
      );
      await expectSongsError(
        demo.processSongStreamTokenAgreement({ songId: randomUUID(), body: { accepted: true } }),
        404,
      );
    },
  },
  {
    name: 'every list filter trims spaces around its commas: ids (with - exclusions), ownerIds, genres, moods, mintingStatuses, nftNames on list, count, genres and genre count',
    covers: ['listSongs', 'countSongs', 'listSongGenres', 'countSongGenres', 'createSong'],
    async run(context) {
      const { api } = await signUp(context);
      const tag = unique();
      const specs = [
        { title: `Trim zero ${tag}`, genres: ['Jazz', 'Blues'], moods: ['Calm'] },
        { title: `Trim one ${tag}`, genres: ['Blues'], moods: ['Happy', 'Calm'] },
        { title: `Trim two ${tag}`, genres: ['Rock'], moods: ['Dark'] },
      ];
      const ids: string[] = [];
      for (const spec of specs) ids.push((await api.createSong({ body: spec })).songId);
      const [zero, one, two] = specs.map((spec) => spec.title);
      await api.countSongs(); // logs in
      const token = api.session!.tokens!.accessToken;
      const get = async (path: string, query: string) => {
        const response = await fetch(`${context.baseUrl}${path}?${query}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        const body = await response.json();
        expect(response.status, `${path}?${query}: ${JSON.stringify(body)}`).toBe(200);
        return body;
      };
      const stranger = randomUUID();
      // [filter, values, titles the spaceless form lists]
      const cases: [string, string[], string[]][] = [
        ['ids', [ids[0]!, ids[1]!, `-${ids[1]}`], [zero!]],
        ['ids', [`-${ids[0]}`, `+${ids[1]}`, `-${ids[2]}`], [one!]],
        ['ownerIds', ['me', `-${stranger}`], [zero!, one!, two!]],
        ['ownerIds', [stranger, 'me'], [zero!, one!, two!]],
        ['genres', ['Jazz', 'Rock'], [zero!, two!]],
        ['genres', ['Blues', '-Jazz'], [one!]],
        ['moods', ['Calm', '-Happy'], [zero!]],
        ['mintingStatuses', ['Minted', 'Undistributed'], [zero!, one!, two!]],
        ['mintingStatuses', ['-StreamTokenAgreementApproved', '-Undistributed'], []],
        ['nftNames', [`-nft-a-${tag}`, `-nft-b-${tag}`], [zero!, one!, two!]],
        ['nftNames', [`nft-a-${tag}`, `nft-b-${tag}`], []],
      ];
      const routes = ['/v1/songs', '/v1/songs/count', '/v1/songs/genres', '/v1/songs/genres/count'];
      for (const [filter, values, expected] of cases) {
        const mine = filter === 'ownerIds' ? '' : 'ownerIds=me&';
        const spaceless = `${mine}${filter}=${values.map(encodeURIComponent).join(',')}`;
        // A space after the comma, spaces on both sides, a tab.
        const spaced = [',%20', '%20,%20%20', ',%09'].map(
          (separator) => `${mine}${filter}=${values.map(encodeURIComponent).join(separator)}`,
        );
        expect(titles(await get('/v1/songs', spaceless)), spaceless).toEqual(expected);
        for (const route of routes) {
          const plain = await get(route, spaceless);
          for (const query of spaced) expect(await get(route, query), `${route}?${query}`).toEqual(plain);
        }
      }
      // A space after a comma in ownerIds' `me` too, and on the genre routes the counts are real.
      expect(await get('/v1/songs/genres', `ownerIds=${encodeURIComponent(' me ')}`)).toEqual([
        'Blues',
        'Jazz',
        'Rock',
      ]);
      expect(await get('/v1/songs/genres/count', `ownerIds=me&genres=Jazz,%20Rock`)).toEqual({ count: 3 });
    },
  },
  {
    name: 'stream URL: upload, then any signed-in user gets a signed URL; it serves the audio whole and by range, 416 past the end, 403 when changed; 422 before any upload',
    covers: ['getSongStream', 'streamSongAudio', 'uploadSongAudio', 'deleteSong'],
    async run(context) {
      const owner = await signUp(context);
      const listener = await signUp(context);
      const { songId } = await owner.api.createSong({
        body: { title: `Stream ${unique()}`, genres: ['Ambient'] },
      });
      await expectSongsError(owner.api.getSongStream({ songId }), 422, 'streamUrl is null');
      await expectSongsError(listener.api.getSongStream({ songId }), 422, 'streamUrl is null');
      await expectSongsError(
        owner.api.getSongStream({ songId: randomUUID() }),
        404,
        /not found in the database$/,
      );
      await expectSongsError(
        owner.api.getSongStream({ songId: 'not-a-uuid' }),
        422,
        'Invalid UUID string: not-a-uuid',
      );
      await expectBearerChallenge(publicClient(context).getSongStream({ songId }));

      const wav = wavFile({ seconds: 30, sampleRate: 44_100 });
      await owner.api.uploadAudio(songId, wav);
      const { url } = await owner.api.getSongStream({ songId });
      expect(url).toMatch(
        new RegExp(
          `^${context.baseUrl}/v1/songs/${songId}/audio/stream\\?expires=\\d+&signature=[0-9a-f]{64}$`,
        ),
      );
      const expires = Number(new URL(url).searchParams.get('expires'));
      expect(expires * 1000).toBeGreaterThan(Date.now() + 3_600_000); // a day by default
      // Not only the owner: any signed-in user may play the song, as in the original.
      const heard = await listener.api.getSongStream({ songId });
      expect(heard.url).toMatch(/\/audio\/stream\?expires=\d+&signature=[0-9a-f]{64}$/);

      // The URL needs no token: the whole file, then ranges.
      const whole = await fetch(heard.url);
      expect(whole.status).toBe(200);
      expect(whole.headers.get('content-type')).toBe('audio/wav');
      expect(whole.headers.get('accept-ranges')).toBe('bytes');
      expect(whole.headers.get('content-length')).toBe(String(wav.length));
      expectBytes(await whole.arrayBuffer(), wav);
      const ranges: [string, number, number][] = [
        ['bytes=100-199', 100, 199],
        ['bytes=0-0', 0, 0],
        [`bytes=${wav.length - 5}-`, wav.length - 5, wav.length - 1],
        ['bytes=-10', wav.length - 10, wav.length - 1],
        [`bytes=${wav.length - 3}-${wav.length + 1000}`, wav.length - 3, wav.length - 1],
      ];
      for (const [range, first, last] of ranges) {
        const part = await fetch(url, { headers: { range } });
        expect(part.status, range).toBe(206);
        expect(part.headers.get('content-range')).toBe(`bytes ${first}-${last}/${wav.length}`);
        expect(part.headers.get('content-length')).toBe(String(last - first + 1));
        expect(part.headers.get('content-type')).toBe('audio/wav');
        expectBytes(await part.arrayBuffer(), wav.subarray(first, last + 1));
      }
      // Several ranges, another unit or nonsense: the whole file.
      for (const range of ['bytes=0-1,5-6', 'items=0-1', 'bytes=9-3']) {
        const all = await fetch(url, { headers: { range } });
        expect(all.status, range).toBe(200);
        expect((await all.arrayBuffer()).byteLength).toBe(wav.length);
      }
      for (const range of [
        `bytes=${wav.length}-`,
        `bytes=${wav.length + 10}-${wav.length + 20}`,
        'bytes=-0',
      ]) {
        const outside = await fetch(url, { headers: { range } });
        expect(outside.status, range).toBe(416);
        expect(outside.headers.get('content-range')).toBe(`bytes */${wav.length}`);
        expect(await outside.json()).toEqual({
          code: 416,
          description: 'Requested Range Not Satisfiable',
          cause: `Range not satisfiable: ${range} (file size ${wav.length})`,
        });
      }

      // Through the SDK: the generated method with the URL's parameters, and the helper.
      const params = streamUrlParams(url);
      expect(params).toEqual({ songId, expires, signature: expect.stringMatching(/^[0-9a-f]{64}$/) });
      expectBytes(await publicClient(context).streamSongAudio(params), wav);
      const head = await listener.api.fetchSongAudio(songId, { range: 'bytes=0-3' }).withResponse();
      expect(head.response.status).toBe(206);
      expect(new TextDecoder().decode(head.data)).toBe('RIFF');

      // A changed URL is refused in the songs envelope.
      const forged = (change: (url: URL) => void) => {
        const copy = new URL(url);
        change(copy);
        return copy.toString();
      };
      const last = params.signature.at(-1) === '0' ? '1' : '0';
      const tampered = [
        forged((u) => u.searchParams.set('signature', `${params.signature.slice(0, -1)}${last}`)),
        forged((u) => u.searchParams.set('signature', params.signature.toUpperCase())),
        forged((u) => u.searchParams.set('signature', 'not-a-signature')),
        forged((u) => u.searchParams.set('expires', String(expires + 1))),
        forged((u) => {
          u.pathname = u.pathname.replace(songId, randomUUID());
        }),
      ];
      for (const candidate of tampered) {
        const refused = await fetch(candidate);
        expect(refused.status, candidate).toBe(403);
        expect(await refused.json()).toEqual({
          code: 403,
          description: 'Forbidden',
          cause: 'Invalid stream URL signature',
        });
      }
      await expectSongsError(publicClient(context).streamSongAudio({ ...params, signature: 'x' }), 403);
      const unsigned = await fetch(url.replace(/&signature=.*$/, ''));
      expect(unsigned.status).toBe(422);

      // A new upload: the same URL serves the new file.
      const stereo = wavFile({ seconds: 31, sampleRate: 48_000, channels: 2 });
      await owner.api.uploadAudio(songId, stereo);
      const replaced = await fetch(url);
      expect(replaced.headers.get('content-length')).toBe(String(stereo.length));
      expectBytes(await replaced.arrayBuffer(), stereo);
      // A deleted song: its URLs answer 404.
      await owner.api.deleteSong({ songId });
      const gone = await fetch(url);
      expect(gone.status).toBe(404);
      expect((await gone.json()).cause).toBe(`Entity SongEntity, id=${songId} not found in the database`);
    },
  },
  {
    name: "the original's texts and rules where the seed is silent: list items named genres0/ipi0, lower-case ids in 404s, filter causes, sortOrder in any case, patch trims and a blank value clears, a blank URL on create is 400",
    covers: ['createSong', 'updateSong', 'getSong', 'listSongs', 'countSongs', 'listSongGenres'],
    async run(context) {
      const { api } = await signUp(context);
      const tooLong = 'x'.repeat(65);
      const rejected: [Partial<CreateSongParams['body']>, string][] = [
        [{ genres: ['Pop', tooLong] }, 'Field genres1 exceeds 64 chars limit'],
        [{ moods: [tooLong] }, 'Field moods0 exceeds 64 chars limit'],
        [{ ipis: ['00014107338', 'ok', tooLong] }, 'Field ipi2 exceeds 64 chars limit'],
        [{ barcodeNumber: tooLong }, 'Field barcodeNumber exceeds 64 chars limit'],
      ];
      for (const [fields, cause] of rejected) {
        await expectSongsError(
          api.createSong({ body: { title: `Long ${unique()}`, genres: ['Pop'], ...fields } }),
          422,
          cause,
        );
      }
      for (const field of ['coverArtUrl', 'lyricsUrl'] as const) {
        for (const blank of ['', '   ']) {
          await expectSongsError(
            api.createSong({ body: { title: `Blank ${unique()}`, genres: ['Pop'], [field]: blank } }),
            400,
            'Missing url',
          );
        }
      }

      // Patch: blank clears, other values are stored trimmed (the original's orNull()).
      const title = `Trimmed ${unique()}`;
      const { songId } = await api.createSong({
        body: { title, genres: ['Pop'], description: 'kept', album: 'An album', isrc: 'QZ-ABC-23-00001' },
      });
      await api.updateSong({
        songId,
        body: {
          description: '   ',
          album: '  Second album  ',
          language: ' en ',
          lyricsUrl: '  https://www.example.com/lyrics.txt  ',
          isrc: '',
        },
      });
      const patched = await api.getSong({ songId });
      expect(patched).not.toHaveProperty('description');
      expect(patched).not.toHaveProperty('isrc');
      expect(patched).toMatchObject({
        album: 'Second album',
        language: 'en',
        lyricsUrl: 'https://www.example.com/lyrics.txt',
      });
      await api.updateSong({ songId, body: { lyricsUrl: ' ' } });
      expect(await api.getSong({ songId })).not.toHaveProperty('lyricsUrl');

      // 404 names the id as java.util.UUID prints it.
      const missing = randomUUID();
      await expectSongsError(
        api.getSong({ songId: missing.toUpperCase() }),
        404,
        `Entity SongEntity, id=${missing} not found in the database`,
      );
      expect((await api.getSong({ songId: songId.toUpperCase() })).id).toBe(songId);

      // Filters: the original's parser messages.
      await expectSongsError(
        api.listSongs({ mintingStatuses: ['-Minting' as 'Minted'] }),
        422,
        'No enum constant io.newm.server.features.song.model.MintingStatus.Minting',
      );
      await expectSongsError(api.countSongs({ ids: ['not-a-uuid'] }), 422, 'Invalid UUID string: not-a-uuid');
      await expectSongsError(api.listSongs({ ownerIds: ['+you'] }), 422, 'Invalid UUID string: you');
      await expectSongsError(
        api.listSongs({ limit: 'ten' as unknown as number }),
        422,
        'For input string: "ten"',
      );
      await expectSongsError(
        api.listSongGenres({ sortOrder: 'up' }),
        422,
        'No enum constant org.jetbrains.exposed.sql.SortOrder.UP',
      );
      await expectSongsError(
        api.countSongs({ olderThan: 'yesterday' }),
        422,
        "Text 'yesterday' could not be parsed",
      );
      // Any letter case of asc/desc, as SortOrder.valueOf(it.uppercase()).
      const second = await api.createSong({ body: { title: `${title} 2`, genres: ['Rock'] } });
      for (const sortOrder of ['Desc', 'dEsC', 'DESC']) {
        expect((await api.listSongs({ ownerIds: ['me'], sortOrder })).map((song) => song.id)).toEqual([
          second.songId,
          songId,
        ]);
      }
      expect((await api.listSongs({ ownerIds: ['me'], sortOrder: 'Asc' })).map((song) => song.id)).toEqual([
        songId,
        second.songId,
      ]);
    },
  },
]);
