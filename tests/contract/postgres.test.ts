import { describe, it } from 'vitest';
import { createScratchDatabase } from './postgres.js';
import { runScenarios, startServer } from './targets.js';

// On a laptop without PostgreSQL these scenarios are skipped; CI sets REQUIRE_POSTGRES=1, under
// which createScratchDatabase fails instead.
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
} else {
  describe('postgres', () => {
    it('scenarios (PostgreSQL not reachable; set TEST_DATABASE_URL)', (context) => context.skip());
  });
}
