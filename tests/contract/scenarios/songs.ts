import { randomBytes, randomUUID } from 'node:crypto';
import { SONGS_DEMO_LOGIN, wavFile } from '@music-apis/catalog';
import { isApiError } from '@music-apis/sdk';
import {
  type CreateSongParams,
  createSongsClient,
  type Song,
  type SongsClient,
  type SongsErrorBody,
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
        'Field genres exceeds 64 chars limit',
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
    name: 'stream-token agreement: owner must be KYC-verified; accept approves and keeps the document, reject resets',
    covers: ['processSongStreamTokenAgreement', 'getSong', 'createSong', 'login'],
    async run(context) {
      const unverified = await signUp(context);
      const { songId: unverifiedSong } = await unverified.api.createSong({
        body: {
          title: `Unverified ${unique()}`,
          genres: ['Pop'],
        },
      });
      await expectSongsError(
        unverified.api.processSongStreamTokenAgreement({ songId: unverifiedSong, body: { accepted: true } }),
        422,
        'operation allowed only after owner is KYC verified',
      );

      // The demo artist is KYC-verified.
      const demo = createSongsClient({ baseUrl: context.baseUrl, retry: 0, auth: { ...SONGS_DEMO_LOGIN } });
      const { songId } = await demo.createSong({ body: { title: `Agreement ${unique()}`, genres: ['Pop'] } });
      await demo.processSongStreamTokenAgreement({ songId, body: { accepted: true } });
      const accepted = await demo.getSong({ songId });
      expect(accepted.mintingStatus).toBe('StreamTokenAgreementApproved');
      expect(accepted.tokenAgreementUrl).toMatch(new RegExp(`/${songId}/StreamTokenAgreement\\.pdf$`));
      await demo.processSongStreamTokenAgreement({ songId, body: { accepted: false } });
      const rejected = await demo.getSong({ songId });
      expect(rejected.mintingStatus).toBe('Undistributed');
      expect(rejected).not.toHaveProperty('tokenAgreementUrl');
      await expectSongsError(
        demo.processSongStreamTokenAgreement({ songId, body: {} as { accepted: boolean } }),
        400,
        'missing accepted',
      );
      await expectSongsError(
        demo.processSongStreamTokenAgreement({ songId: randomUUID(), body: { accepted: true } }),
        404,
      );
    },
  },
]);
