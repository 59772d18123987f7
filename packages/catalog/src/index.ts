export { type WavOptions, wavFile } from './audio.js';
export {
  type Catalog,
  type CatalogAlbum,
  type CatalogArtist,
  type CatalogOptions,
  type CatalogPlaylist,
  type CatalogTrack,
  COVER_COUNT,
  createCatalog,
  DEMO_TRACK_COUNT,
  demoCatalog,
  generatedIsrc,
  SEED_EXAMPLE_TRACK,
  TRACKS_PER_ALBUM,
} from './catalog.js';
export {
  contrastRatio,
  type DerivedPlayerColors,
  derivePlayerColors,
  IMAGE_CONTENT_TYPES,
  type ImageType,
  sniffImage,
} from './collections.js';
export { coverJpeg } from './covers.js';
export {
  deterministicUuid,
  SONGS_DEMO_LOGIN,
  SONGS_DEMO_SONG_COUNT,
  type SongsDemoSong,
  type SongsDemoUser,
  songsDemoSongs,
  songsDemoUsers,
} from './songs.js';
export * from './songs-rules.js';
export {
  type CreatedTrackManagerRecord,
  TRACK_MANAGER_DEMO_SAVED,
  TRACK_MANAGER_ERROR_REASONS,
  type TrackManagerRecord,
  toCreatedTrackView,
  toTrackManagerRecord,
  trackManagerDemoRecords,
} from './track-manager.js';
