// The TrackDTO the reference rows of the benchmark answer with (no database behind them).
export const FIXED_TRACK = {
  isrc: 'QZMAD0000001',
  name: 'Blue River',
  artistName: 'Ada Archer',
  albumName: 'Quiet Harbor',
  albumId: '0123456789ABCDEFGHIJab',
  isExplicit: false,
  playbackSeconds: 201,
  cover_image: 'https://i.scdn.co/image/ab67616d0000b273000000000000000000000000',
};
