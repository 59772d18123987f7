// Reference points built from the server's own parts, no music-apis code:
//   Koa + @koa/router answering a fixed TrackDTO; with SQLITE_FILE, the row read by one prepared
//   better-sqlite3 statement; with DATABASE_URL, the row read by one prepared (named) pg statement
//   through a pg pool as large as the server's. The framework's ceiling, and that ceiling plus the database.
//   With SERVER_HEADERS (JSON), it also sends the headers the server's metadata GET sends, to show
//   what those alone cost.
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import Router from '@koa/router';
import Koa from 'koa';
import { FIXED_TRACK } from './fixed-track.mjs';

// The database drivers are the server's dependencies; load them from there.
const requireFromServer = createRequire(new URL('../packages/server/package.json', import.meta.url));
const SQL = 'select * from track_manager_tracks where isrc = ? limit 1';
let read = (isrc) => ({ ...FIXED_TRACK, isrc });
if (process.env.SQLITE_FILE) {
  const Database = requireFromServer('better-sqlite3');
  const statement = new Database(process.env.SQLITE_FILE, { readonly: true }).prepare(SQL);
  read = (isrc) => statement.get(isrc);
} else if (process.env.DATABASE_URL) {
  const { Pool } = requireFromServer('pg');
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
  const text = SQL.replace('?', '$1');
  read = async (isrc) => (await pool.query({ name: 'track_by_isrc', text, values: [isrc] })).rows[0];
}
const app = new Koa();
if (process.env.SERVER_HEADERS) {
  // Read off one of the server's answers by the bench (run.ts), and a new request id each time.
  const serverHeaders = JSON.parse(process.env.SERVER_HEADERS);
  app.use((ctx, next) => {
    ctx.set(serverHeaders);
    ctx.set('x-request-id', randomUUID());
    return next();
  });
}
const router = new Router();
router.get('/api/track/metadata/:isrc', async (ctx) => {
  ctx.body = await read(ctx.params.isrc);
});
app.use(router.routes()).listen(Number(process.env.PORT), '127.0.0.1', () => console.log('ready'));
