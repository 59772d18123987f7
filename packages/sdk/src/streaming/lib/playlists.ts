import type { components } from '@music-apis/spec/streaming';
import { type CallOptions, createPaginator, type Paginator } from '../../core/index.js';
import type { SearchPlaylistsParams, SearchPlaylistsResult, StreamingMethods } from '../client.gen.js';

export type StreamingPlaylist = components['schemas']['Playlist'];
export type StreamingPlaylistTrack = components['schemas']['PlaylistTrack'];
export type StreamingHomePage = components['schemas']['HomePage'];

/**
 * Every playlist a search matches, page by page (Laravel's `?page=`, 15 a page) from `query.page`
 * (default 1) to `meta.last_page`: `for await` yields playlists, `.pages()` yields the pages.
 */
export function paginatePlaylistSearch(
  methods: Pick<StreamingMethods, 'searchPlaylists'>,
  query: SearchPlaylistsParams,
  call?: CallOptions,
): Paginator<StreamingPlaylist, SearchPlaylistsResult> {
  return createPaginator({
    first: query.page ?? 1,
    fetchPage: (page) => methods.searchPlaylists({ ...query, page }, call),
    items: (page) => page.data,
    next: (page, number) => (page.meta.current_page < page.meta.last_page ? number + 1 : undefined),
  });
}
