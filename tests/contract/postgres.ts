import pg from 'pg';

/**
 * The test PostgreSQL server, shared by the contract suite, the server's own PostgreSQL tests and
 * the benchmarks. Each caller gets a scratch database of its own, so runs never share state.
 */
export const POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * A fresh database on the test PostgreSQL server, dropped afterwards, so runs never share state.
 * Resolves undefined when PostgreSQL is unreachable (the caller skips, or fails under REQUIRE_POSTGRES).
 */
export async function createScratchDatabase(
  purpose = 'test',
): Promise<{ url: string; drop(): Promise<void> } | undefined> {
  const admin = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
  } catch {
    return undefined;
  }
  const name = `music_apis_${purpose}_${process.pid}_${Date.now().toString(36)}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}
