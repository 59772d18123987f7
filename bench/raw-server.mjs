// The baseline: plain node:http answering one fixed TrackDTO, no framework, no database.
import { createServer } from 'node:http';
import { FIXED_TRACK } from './fixed-track.mjs';

const body = JSON.stringify(FIXED_TRACK);
createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}).listen(Number(process.env.PORT), '127.0.0.1', () => console.log('ready'));
