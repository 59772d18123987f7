import pg from 'pg';

/**
 * The test PostgreSQL server, shared by the contract suite, the server's own PostgreSQL tests and
 * the benchmarks. Each caller gets a scratch database of its own, so runs never share state.
 */
export const POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * A fresh database on the test PostgreSQL server, dropped afterwards, so runs never share state.
 * When PostgreSQL is unreachable it resolves undefined (the caller skips its PostgreSQL runs, and a
 * warning says so) or, under REQUIRE_POSTGRES (CI), rejects: the test file fails instead of skipping.
 */
export async function createScratchDatabase(
  purpose = 'test',
): Promise<{ url: string; drop(): Promise<void> } | undefined> {
  const admin = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
  } catch {
    if (process.env.REQUIRE_POSTGRES)
      throw new Error(`REQUIRE_POSTGRES is set but PostgreSQL is unreachable at ${POSTGRES_URL}`);
    console.warn(
      `[${purpose}] PostgreSQL is not reachable at ${POSTGRES_URL}: its PostgreSQL runs are SKIPPED ` +
        '(set TEST_DATABASE_URL to run them; CI sets REQUIRE_POSTGRES=1, which fails instead).',
    );
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
