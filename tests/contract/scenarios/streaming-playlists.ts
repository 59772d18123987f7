import { randomUUID } from 'node:crypto';
import { STREAMING_MOCK_CLIENT } from '@music-apis/mock';
import {
  createStreamingClient,
  type StreamingErrorBody,
  type StreamingPlaylist,
  type StreamingValidationErrorBody,
} from '@music-apis/sdk/streaming';
import { expect } from 'vitest';
import type { Scenario, ScenarioContext } from '../scenario.js';
import { expectApiError } from './expect-api-error.js';

/**
 * The streaming API's part 2 (issue 17): heartbeat, aggregator status, the composed home page and
 * the playlists with their tracks, on every target. Track ids are catalog ids of the demo catalog
 * (index + 1: `'1'` is the seed's example track); the demo catalog has 242 tracks, so `'243'` is
 * none. Users are made by the demo tenant's client and act with a UDT.
 */

const TENANT = STREAMING_MOCK_CLIENT.tenant;
const UNKNOWN_TRACK = '243';
const unique = () => randomUUID().slice(0, 8);

type Credentials = { clientId: string; clientSecret: string };

const publicClient = ({ baseUrl }: ScenarioContext) => createStreamingClient({ baseUrl, retry: 0 });

/** A new user of the tenant (`credentials`' tenant, default the demo tenant) and a client acting as them. */
async function newUser(context: ScenarioContext, credentials: Credentials = STREAMING_MOCK_CLIENT) {
  const tenant = createStreamingClient({
    baseUrl: context.baseUrl,
    retry: 0,
    auth: { tenant: { clientId: credentials.clientId, clientSecret: credentials.clientSecret } },
  });
  const user = await tenant.createUser({
    body: {
      first_name: 'Pia',
      last_name: 'Lister',
      email: `pia-${unique()}@example.com`,
      date_of_birth: '1991-02-03',
    },
  });
  const deviceId = randomUUID();
  const { token } = await tenant.mintUserDelegationToken({ user_id: user.id, body: { deviceId } });
  return {
    user,
    api: createStreamingClient({ baseUrl: context.baseUrl, retry: 0, auth: { user: token }, deviceId }),
  };
}

async function expectValidation(call: Promise<unknown>, fields: Record<string, string>) {
  const body = await expectApiError<StreamingValidationErrorBody>(call, 422);
  expect(body.message).toBe('The given data was invalid.');
  for (const [field, message] of Object.entries(fields)) expect(body.errors[field], field).toContain(message);
  return body;
}

async function expectError(call: Promise<unknown>, status: number, expected: Partial<StreamingErrorBody>) {
  expect(await expectApiError<StreamingErrorBody>(call, status)).toMatchObject(expected);
}

const orders = (tracks: { order: number }[]) => tracks.map((track) => track.order);

/** A small seeded generator, so the random reorders are the same on every target and every run. */
function seeded(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

export const streamingPlaylistScenarios: Scenario[] = [
  {
    name: 'heartbeat and aggregator status: public, the server time, the built-in aggregator up',
    covers: ['getHeartbeat', 'getAggregatorStatus'],
    async run(context: ScenarioContext) {
      const api = publicClient(context);
      const before = Date.now();
      const { time } = await api.getHeartbeat();
      expect(time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      expect(Math.abs(Date.parse(time) - before)).toBeLessThan(60_000);
      expect(await api.getAggregatorStatus()).toEqual({ status: 'up' });
    },
  },
  {
    name: 'playlists: create (private by default), get, partial update by the owner only, my list newest first',
    covers: ['createPlaylist', 'getPlaylist', 'updatePlaylist', 'listMyPlaylists'],
    async run(context: ScenarioContext) {
      const owner = await newUser(context);
      const first = await owner.api.createPlaylist({ body: { playlist_name: 'Road Trip' } });
      expect(first).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        tenant_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        user_id: owner.user.id,
        playlist_name: 'Road Trip',
        public: false,
        created_at: expect.any(String),
        updated_at: expect.any(String),
      });
      expect(await owner.api.getPlaylist({ playlist_id: first.id })).toEqual(first);
      expect(await owner.api.getPlaylist({ playlist_id: first.id, with: 'tracks' })).toEqual({
        ...first,
        tracks: [],
      });
      await new Promise((resolve) => setTimeout(resolve, 5));
      const second = await owner.api.createPlaylist({
        body: { playlist_name: 'Shared Beats', public: true },
      });
      expect(second.public).toBe(true);
      expect((await owner.api.listMyPlaylists()).map((playlist) => playlist.id)).toEqual([
        second.id,
        first.id,
      ]);

      // A partial update keeps what it leaves out.
      const renamed = await owner.api.updatePlaylist({
        playlist_id: first.id,
        body: { playlist_name: 'Road Trip II' },
      });
      expect(renamed).toMatchObject({ id: first.id, playlist_name: 'Road Trip II', public: false });
      const published = await owner.api.updatePlaylist({ playlist_id: first.id, body: { public: true } });
      expect(published).toMatchObject({
        playlist_name: 'Road Trip II',
        public: true,
        created_at: first.created_at,
      });
      expect(await owner.api.updatePlaylist({ playlist_id: first.id, body: {} })).toEqual(published);
      expect(await owner.api.getPlaylist({ playlist_id: first.id })).toEqual(published);
      await owner.api.updatePlaylist({ playlist_id: first.id, body: { public: false } });

      await expectValidation(owner.api.createPlaylist({ body: { playlist_name: '' } }), {
        playlist_name: 'The playlist name field is required.',
      });
      await expectValidation(owner.api.createPlaylist({ body: {} as never }), {
        playlist_name: 'The playlist name field is required.',
      });
      await expectValidation(
        owner.api.updatePlaylist({ playlist_id: first.id, body: { public: 'yes' as never } }),
        {
          public: 'The public field must be true or false.',
        },
      );
      await expectError(owner.api.getPlaylist({ playlist_id: randomUUID() }), 404, { message: 'Not found.' });

      // Another user of the tenant reads the public playlist but may not change it, and does not
      // see the private one at all.
      const other = await newUser(context);
      expect(await other.api.getPlaylist({ playlist_id: second.id })).toEqual(second);
      await expectError(
        other.api.updatePlaylist({ playlist_id: second.id, body: { playlist_name: 'Mine now' } }),
        403,
        {
          message: 'This action is unauthorized.',
        },
      );
      await expectError(other.api.getPlaylist({ playlist_id: first.id }), 404, { message: 'Not found.' });
      await expectError(other.api.updatePlaylist({ playlist_id: first.id, body: { public: true } }), 404, {
        message: 'Not found.',
      });
      expect(await other.api.listMyPlaylists()).toEqual([]);
      expect((await owner.api.getPlaylist({ playlist_id: second.id })).playlist_name).toBe('Shared Beats');

      // Another tenant's user sees none of them, public or not.
      const stranger = await newUser(context, context.otherTenantStreamingClient);
      await expectError(stranger.api.getPlaylist({ playlist_id: second.id }), 404, { message: 'Not found.' });
      await expectError(publicClient(context).listMyPlaylists(), 401, { code: 'UNAUTHENTICATED' });
    },
  },
  {
    name: 'playlist search: own and public playlists of the tenant by keyword, Laravel pages that keep the keyword, for await over pages',
    covers: ['searchPlaylists'],
    async run(context: ScenarioContext) {
      const word = `zq${unique()}`;
      const owner = await newUser(context);
      const other = await newUser(context);
      const mine = await owner.api.createPlaylist({
        body: { playlist_name: `My ${word.toUpperCase()} private` },
      });
      const theirsPublic = await other.api.createPlaylist({
        body: { playlist_name: `Their ${word} mix`, public: true },
      });
      await other.api.createPlaylist({ body: { playlist_name: `Their ${word} secret` } });
      const page = await owner.api.searchPlaylists({ keyword: word });
      expect(page.data.map((playlist) => playlist.id).sort()).toEqual([mine.id, theirsPublic.id].sort());
      expect(page.meta).toMatchObject({
        current_page: 1,
        per_page: 15,
        total: 2,
        from: 1,
        to: 2,
        last_page: 1,
      });
      expect(page.links.next).toBeNull();
      // Another tenant's public playlist is not found.
      const stranger = await newUser(context, context.otherTenantStreamingClient);
      await stranger.api.createPlaylist({ body: { playlist_name: `Far ${word}`, public: true } });
      expect((await owner.api.searchPlaylists({ keyword: word })).meta.total).toBe(2);
      // `%` and `_` are literal characters, not patterns.
      expect((await owner.api.searchPlaylists({ keyword: `${word}%` })).meta.total).toBe(0);

      // 17 more: two pages; the links carry the keyword, the SDK walks every page.
      for (let i = 0; i < 17; i++)
        await owner.api.createPlaylist({ body: { playlist_name: `${word} n${i}` } });
      const first = await owner.api.searchPlaylists({ keyword: word });
      expect(first.meta).toMatchObject({ total: 19, last_page: 2, per_page: 15, to: 15 });
      expect(first.data).toHaveLength(15);
      expect(first.links.next).toMatch(new RegExp(`/api/v1/playlists/search\\?page=2&keyword=${word}$`));
      const second = await owner.api.searchPlaylists({ keyword: word, page: 2 });
      expect(second.data).toHaveLength(4);
      expect(second.links.prev).toMatch(/page=1&keyword=/);
      const all: StreamingPlaylist[] = [];
      for await (const playlist of owner.api.iteratePlaylistSearch({ keyword: word })) all.push(playlist);
      expect(all).toHaveLength(19);
      expect(new Set(all.map((playlist) => playlist.id)).size).toBe(19);
      const pages = [];
      for await (const result of owner.api.iteratePlaylistSearch({ keyword: word }).pages())
        pages.push(result.meta.current_page);
      expect(pages).toEqual([1, 2]);
      // Past the last page: an empty page, not an error.
      expect((await owner.api.searchPlaylists({ keyword: word, page: 3 })).data).toEqual([]);

      // The editorial playlists are public: everyone of the tenant finds them.
      const home = await owner.api.getHomePage();
      const editorial = home.modules[0]!.items![0]!;
      const found = await other.api.searchPlaylists({ keyword: editorial.name.slice(0, 6).toLowerCase() });
      expect(found.data.map((playlist) => playlist.id)).toContain(editorial.id);

      await expectValidation(owner.api.searchPlaylists({ keyword: '' }), {
        keyword: 'The keyword field is required.',
      });
      await expectError(publicClient(context).searchPlaylists({ keyword: word }), 401, {
        code: 'UNAUTHENTICATED',
      });
    },
  },
  {
    name: 'playlist tracks: add to the end, list in order, catalog ids checked (422), owner only; replace is all or nothing',
    covers: ['addPlaylistTrack', 'listPlaylistTracks', 'replacePlaylistTracks'],
    async run(context: ScenarioContext) {
      const owner = await newUser(context);
      const playlist = await owner.api.createPlaylist({ body: { playlist_name: 'Tracks', public: true } });
      const added = [];
      for (const track_id of ['1', '7', '7', '242']) {
        added.push(await owner.api.addPlaylistTrack({ playlist_id: playlist.id, body: { track_id } }));
      }
      expect(added[0]).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        playlist_id: playlist.id,
        track_id: '1',
        order: 1,
        created_at: expect.any(String),
        updated_at: expect.any(String),
      });
      expect(orders(added)).toEqual([1, 2, 3, 4]);
      const listed = await owner.api.listPlaylistTracks({ playlist_id: playlist.id });
      expect(listed).toEqual(added);
      expect((await owner.api.getPlaylist({ playlist_id: playlist.id, with: 'tracks' })).tracks).toEqual(
        added,
      );

      for (const track_id of [UNKNOWN_TRACK, '0', '07', 'abc']) {
        await expectValidation(owner.api.addPlaylistTrack({ playlist_id: playlist.id, body: { track_id } }), {
          track_id: 'The selected track id is invalid.',
        });
      }
      await expectValidation(owner.api.addPlaylistTrack({ playlist_id: playlist.id, body: {} as never }), {
        track_id: 'The track id field is required.',
      });
      await expectError(
        owner.api.addPlaylistTrack({ playlist_id: randomUUID(), body: { track_id: '1' } }),
        404,
        {
          message: 'Not found.',
        },
      );

      // Others read a public playlist's tracks, and change nothing.
      const other = await newUser(context);
      expect(await other.api.listPlaylistTracks({ playlist_id: playlist.id })).toEqual(added);
      await expectError(
        other.api.addPlaylistTrack({ playlist_id: playlist.id, body: { track_id: '2' } }),
        403,
        {
          message: 'This action is unauthorized.',
        },
      );
      await expectError(
        other.api.replacePlaylistTracks({ playlist_id: playlist.id, body: { tracks: [] } }),
        403,
        { message: 'This action is unauthorized.' },
      );
      const hidden = await owner.api.createPlaylist({ body: { playlist_name: 'Hidden' } });
      await expectError(other.api.listPlaylistTracks({ playlist_id: hidden.id }), 404, {
        message: 'Not found.',
      });

      // Replace: sorted by `order` (ties keep request order), stored 1..n.
      const replaced = await owner.api.replacePlaylistTracks({
        playlist_id: playlist.id,
        body: {
          tracks: [
            { track_id: '30', order: 10 },
            { track_id: '10', order: 2 },
            { track_id: '20', order: 5 },
            { track_id: '21', order: 5 },
          ],
        },
      });
      expect(replaced.map((entry) => [entry.track_id, entry.order])).toEqual([
        ['10', 1],
        ['20', 2],
        ['21', 3],
        ['30', 4],
      ]);
      expect(await owner.api.listPlaylistTracks({ playlist_id: playlist.id })).toEqual(replaced);

      // One unknown track: 422 naming it, and the playlist is as it was.
      const refused = await expectValidation(
        owner.api.replacePlaylistTracks({
          playlist_id: playlist.id,
          body: {
            tracks: [
              { track_id: '5', order: 1 },
              { track_id: UNKNOWN_TRACK, order: 2 },
            ],
          },
        }),
        { 'tracks.1.track_id': 'The selected tracks.1.track id is invalid.' },
      );
      expect(Object.keys(refused.errors)).toEqual(['tracks.1.track_id']);
      expect(await owner.api.listPlaylistTracks({ playlist_id: playlist.id })).toEqual(replaced);
      await expectValidation(
        owner.api.replacePlaylistTracks({
          playlist_id: playlist.id,
          body: { tracks: [{ track_id: '5', order: 0 }] },
        }),
        { 'tracks.0.order': 'The tracks.0.order must be at least 1.' },
      );
      expect(await owner.api.listPlaylistTracks({ playlist_id: playlist.id })).toEqual(replaced);

      // Adding after a replace goes to the new end; an empty replace empties the playlist.
      expect(
        (await owner.api.addPlaylistTrack({ playlist_id: playlist.id, body: { track_id: '3' } })).order,
      ).toBe(5);
      expect(
        await owner.api.replacePlaylistTracks({ playlist_id: playlist.id, body: { tracks: [] } }),
      ).toEqual([]);
      expect(await owner.api.listPlaylistTracks({ playlist_id: playlist.id })).toEqual([]);
    },
  },
  {
    name: 'reorder: the entry takes its new position and the others shift; past the end is the end; orders stay exactly 1..n',
    covers: ['reorderPlaylistTrack'],
    async run(context: ScenarioContext) {
      const owner = await newUser(context);
      const playlist = await owner.api.createPlaylist({ body: { playlist_name: 'Reorder' } });
      const ids = ['11', '12', '13', '14', '15', '16'];
      await owner.api.replacePlaylistTracks({
        playlist_id: playlist.id,
        body: { tracks: ids.map((track_id, index) => ({ track_id, order: index + 1 })) },
      });
      const entries = await owner.api.listPlaylistTracks({ playlist_id: playlist.id });
      const trackOrder = async () =>
        (await owner.api.listPlaylistTracks({ playlist_id: playlist.id })).map((entry) => entry.track_id);
      const move = (entryId: string, order: number) =>
        owner.api.reorderPlaylistTrack({
          playlist_id: playlist.id,
          playlistTrackId: entryId,
          body: { order },
        });

      // Up: the 5th to 2nd; down: the 1st to 4th; past the end: the end; to where it is: nothing moves.
      expect(await move(entries[4]!.id, 2)).toMatchObject({ id: entries[4]!.id, track_id: '15', order: 2 });
      expect(await trackOrder()).toEqual(['11', '15', '12', '13', '14', '16']);
      expect((await move(entries[0]!.id, 4)).order).toBe(4);
      expect(await trackOrder()).toEqual(['15', '12', '13', '11', '14', '16']);
      expect((await move(entries[1]!.id, 999)).order).toBe(6);
      expect(await trackOrder()).toEqual(['15', '13', '11', '14', '16', '12']);
      expect((await move(entries[3]!.id, 4)).order).toBe(4);
      expect(await trackOrder()).toEqual(['15', '13', '11', '14', '16', '12']);

      await expectValidation(move(entries[0]!.id, 0), { order: 'The order must be at least 1.' });
      await expectValidation(move(entries[0]!.id, 1.5 as number), { order: 'The order must be an integer.' });
      await expectError(move(randomUUID(), 1), 404, { message: 'Not found.' });
      // An entry of another playlist is not this playlist's.
      const elsewhere = await owner.api.createPlaylist({ body: { playlist_name: 'Elsewhere' } });
      const foreign = await owner.api.addPlaylistTrack({
        playlist_id: elsewhere.id,
        body: { track_id: '1' },
      });
      await expectError(move(foreign.id, 1), 404, { message: 'Not found.' });
      const other = await newUser(context);
      await expectError(
        other.api.reorderPlaylistTrack({
          playlist_id: playlist.id,
          playlistTrackId: entries[0]!.id,
          body: { order: 1 },
        }),
        404,
        { message: 'Not found.' },
      );

      // Many random moves: after each, the positions are exactly 1..n and match a local model.
      const random = seeded(17);
      let model = (await owner.api.listPlaylistTracks({ playlist_id: playlist.id })).map((entry) => entry.id);
      for (let step = 0; step < 25; step++) {
        const entryId = model[Math.floor(random() * model.length)] as string;
        const target = 1 + Math.floor(random() * (model.length + 2));
        const moved = await move(entryId, target);
        model = model.filter((id) => id !== entryId);
        model.splice(Math.min(target, model.length + 1) - 1, 0, entryId);
        expect(moved.order).toBe(model.indexOf(entryId) + 1);
      }
      const final = await owner.api.listPlaylistTracks({ playlist_id: playlist.id });
      expect(orders(final)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(final.map((entry) => entry.id)).toEqual(model);
      expect(final.map((entry) => entry.track_id).sort()).toEqual(ids);
    },
  },
  {
    name: 'home page: a guest names the tenant (X-Tenant), a user is known by the token; editorial playlists; continue listening for users; a bad token is 401',
    covers: ['getHomePage'],
    async run(context: ScenarioContext) {
      const guest = publicClient(context);
      const home = await guest.getHomePage({ 'X-Tenant': TENANT });
      expect(home.page).toEqual({
        id: 'home',
        schema_version: 1,
        revision: expect.any(Number),
        generated_at: expect.stringMatching(/Z$/),
      });
      expect(home.modules.map((module) => module.id)).toEqual(['featured-playlists']);
      const [featured] = home.modules;
      expect(featured).toMatchObject({
        type: 'playlist_carousel',
        layout: 'horizontal_scroll',
        name_key: 'home.featured_playlists',
        name_params: null,
        actions: { see_all: null },
        content_source: { strategy: 'editorial_manual', strategy_version: '1', execution_mode: null },
      });
      expect(featured!.items!.length).toBeGreaterThanOrEqual(3);
      const item = featured!.items![0]!;
      expect(item).toMatchObject({
        type: 'playlist',
        name: expect.stringMatching(/Mix$/),
        metadata: { track_count: expect.any(Number) },
      });
      // Nothing changed: the same revision.
      expect((await guest.getHomePage({ 'X-Tenant': TENANT })).page.revision).toBe(home.page.revision);

      // The items are the tenant's editorial playlists: public, readable with their tracks, not changeable.
      const user = await newUser(context);
      const playlist = await user.api.getPlaylist({ playlist_id: item.id, with: 'tracks' });
      expect(playlist).toMatchObject({ id: item.id, playlist_name: item.name, public: true });
      expect(playlist.tracks!.length).toBe((item.metadata as { track_count: number }).track_count);
      expect(playlist.tracks![0]!.track_id).toBe(item.track_id);
      expect(item.stream_url).toMatch(/\/api\/v1\/streams\/[0-9a-f-]{36}\/manifest\.m3u8$/);
      await expectError(
        user.api.updatePlaylist({ playlist_id: item.id, body: { playlist_name: 'Mine' } }),
        403,
        {
          message: 'This action is unauthorized.',
        },
      );
      await expectError(user.api.addPlaylistTrack({ playlist_id: item.id, body: { track_id: '1' } }), 403, {
        message: 'This action is unauthorized.',
      });

      // A user: the tenant is the token's (X-Tenant ignored), and continue listening is there (no plays yet).
      const mine = await user.api.getHomePage({ 'X-Tenant': 'some-other-tenant' });
      expect(mine.modules.map((module) => module.id)).toEqual(['featured-playlists', 'continue-listening']);
      expect(mine.modules[0]!.items).toEqual(featured!.items);
      expect(mine.modules[1]).toMatchObject({
        type: 'continue_listening',
        layout: 'list',
        name_key: 'home.continue_listening',
        content_source: { strategy: 'continue_listening', strategy_version: '1', execution_mode: null },
        items: [],
      });
      expect(mine.page.revision).not.toBe(home.page.revision);
      expect((await user.api.getHomePage()).page.revision).toBe(mine.page.revision);

      // Another tenant has its own editorial playlists.
      const stranger = await newUser(context, context.otherTenantStreamingClient);
      const theirs = await stranger.api.getHomePage();
      const theirIds = theirs.modules[0]!.items!.map((entry) => entry.id);
      expect(theirIds).toHaveLength(featured!.items!.length);
      expect(theirIds).not.toContain(item.id);
      const asGuest = await guest.getHomePage({ 'X-Tenant': context.otherTenantStreamingClient.tenant });
      expect(asGuest.modules[0]!.items!.map((entry) => entry.id)).toEqual(theirIds);
      await expectError(user.api.getPlaylist({ playlist_id: theirIds[0]! }), 404, { message: 'Not found.' });

      // A guest without a tenant, an unknown tenant, a token that does not authenticate.
      await expectError(guest.getHomePage(), 400, { code: 'TENANT_REQUIRED' });
      await expectError(guest.getHomePage({ 'X-Tenant': `nobody-${unique()}` }), 404, {
        code: 'TENANT_NOT_FOUND',
      });
      const badToken = createStreamingClient({
        baseUrl: context.baseUrl,
        retry: 0,
        auth: { user: 'not-a-token' },
      });
      await expectError(badToken.getHomePage({ 'X-Tenant': TENANT }), 401, { code: 'INVALID_AUTH_TOKEN' });
      const basic = await fetch(new URL('/api/v1/home', context.baseUrl), {
        headers: { authorization: 'Basic dXNlcjpwYXNz', 'x-tenant': TENANT },
      });
      expect(basic.status).toBe(401);
      expect(await basic.json()).toMatchObject({ code: 'INVALID_AUTH_TOKEN' });
    },
  },
];
