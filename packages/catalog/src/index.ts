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
  README_EXAMPLE_TRACK,
  SEED_EXAMPLE_TRACK,
  TRACKS_PER_ALBUM,
} from './catalog.js';
export {
  COLLECTIONS_DEMO_COLLECTION_COUNT,
  COLLECTIONS_DEMO_SAMPLE_RATE,
  type CollectionsDemoCollection,
  type CollectionsDemoTrack,
  collectionsDemoAudio,
  collectionsDemoCollections,
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
