// The baseline: plain node:http answering one fixed TrackDTO, no framework, no database.
import { createServer } from 'node:http';

const body = JSON.stringify({
  isrc: 'QZMAD0000001',
  name: 'Blue River',
  artistName: 'Ada Archer',
  albumName: 'Quiet Harbor',
  albumId: '0123456789ABCDEFGHIJab',
  isExplicit: false,
  playbackSeconds: 201,
  cover_image: 'https://i.scdn.co/image/ab67616d0000b273000000000000000000000000',
});
createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}).listen(Number(process.env.PORT), '127.0.0.1', () => console.log('ready'));
