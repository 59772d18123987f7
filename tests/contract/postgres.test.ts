import { describe, it } from 'vitest';
import { createScratchDatabase, POSTGRES_URL } from './postgres.js';
import { runScenarios, startServer } from './targets.js';

// On a laptop without PostgreSQL these scenarios are skipped; CI sets REQUIRE_POSTGRES=1 so a
// missing server fails the run instead.
const database = await createScratchDatabase();

if (database) {
  runScenarios('postgres', async () => {
    const server = await startServer(database.url);
    return {
      ...server,
      async stop() {
        await server.stop();
        await database.drop();
      },
    };
  });
} else if (process.env.REQUIRE_POSTGRES) {
  describe('postgres', () => {
    it('needs PostgreSQL', () => {
      throw new Error(`REQUIRE_POSTGRES is set but PostgreSQL is unreachable at ${POSTGRES_URL}`);
    });
  });
} else {
  console.warn(
    `\n[contract] PostgreSQL is not reachable at ${POSTGRES_URL}: the PostgreSQL scenarios are SKIPPED.\n` +
      '           Set TEST_DATABASE_URL to run them (CI runs them with REQUIRE_POSTGRES=1).\n',
  );
  describe('postgres', () => {
    it('scenarios (PostgreSQL not reachable; set TEST_DATABASE_URL)', (context) => context.skip());
  });
}
