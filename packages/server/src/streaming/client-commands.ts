import { parseArgs } from 'node:util';
import { TENANT_SLUG } from '@music-apis/domain';
import type { CommandOutput } from '../collections/api-key-commands.js';
import type { Knex } from '../core/db.js';
import { createStreamingClient } from './clients.js';

/** `create-streaming-client`: an OAuth2 client of a streaming tenant, its secret printed once. Exit code 0 done, 2 bad usage. */
export const STREAMING_CLIENT_COMMAND_USAGE = 'create-streaming-client [--tenant <slug>] [name]';

export async function createStreamingClientCommand(
  db: Knex,
  args: string[],
  defaultTenant: string,
  output: CommandOutput,
): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    output.error(`${(error as Error).message}\nUsage: ${STREAMING_CLIENT_COMMAND_USAGE}`);
    return 2;
  }
  const tenant = parsed.values.tenant?.trim() ?? defaultTenant;
  if (!TENANT_SLUG.test(tenant)) {
    output.error(
      `--tenant needs a slug (lower-case letters, digits and dashes), got "${tenant}"\nUsage: ${STREAMING_CLIENT_COMMAND_USAGE}`,
    );
    return 2;
  }
  const name = parsed.positionals.join(' ').trim();
  const created = await createStreamingClient(db, { tenant, name: name || undefined });
  output.log(
    `Streaming OAuth2 client "${created.name}" of tenant "${created.tenant.slug}" (the secret is shown once, keep it safe):`,
  );
  output.log(`client_id:     ${created.clientId}`);
  output.log(`client_secret: ${created.clientSecret}`);
  return 0;
}

const parse = (args: string[]) =>
  parseArgs({ args, options: { tenant: { type: 'string', short: 't' } }, allowPositionals: true });
