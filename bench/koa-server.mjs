// Reference points built from the server's own parts, no music-apis code:
//   Koa + @koa/router answering a fixed TrackDTO, or (with SQLITE_FILE) the row read by one
//   prepared better-sqlite3 statement: the framework's ceiling, and that ceiling plus the database.
import { createRequire } from 'node:module';
import Router from '@koa/router';
import Koa from 'koa';
import { FIXED_TRACK } from './fixed-track.mjs';

let read = (isrc) => ({ ...FIXED_TRACK, isrc });
if (process.env.SQLITE_FILE) {
  // better-sqlite3 is the server's dependency; load it from there.
  const Database = createRequire(new URL('../packages/server/package.json', import.meta.url))(
    'better-sqlite3',
  );
  const statement = new Database(process.env.SQLITE_FILE, { readonly: true }).prepare(
    'select * from track_manager_tracks where isrc = ? limit 1',
  );
  read = (isrc) => statement.get(isrc);
}
const router = new Router();
router.get('/api/track/metadata/:isrc', (ctx) => {
  ctx.body = read(ctx.params.isrc);
});
new Koa().use(router.routes()).listen(Number(process.env.PORT), '127.0.0.1', () => console.log('ready'));
