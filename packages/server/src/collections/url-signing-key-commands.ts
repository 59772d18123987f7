import { parseArgs } from 'node:util';
import { COLLECTIONS_DEFAULT_ORGANIZATION } from '@music-apis/domain';
import type { Knex } from '../core/db.js';
import type { CommandOutput } from './api-key-commands.js';
import { createPlaybackRepository } from './playback-repository.js';
import { createCollectionsRepository } from './repository.js';

/**
 * The CLI's `url-signing-key`: the organization's URL signing key, which its own servers sign
 * delivery URLs with (signed delivery; the original's dashboard shows it). Resolves the process exit
 * code: 0 done, 2 bad usage.
 */

export const URL_SIGNING_KEY_USAGE = 'url-signing-key [--organization <id or name>] [--rotate]';

export async function urlSigningKeyCommand(db: Knex, args: string[], output: CommandOutput): Promise<number> {
  let values: { organization?: string; rotate?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      options: { organization: { type: 'string', short: 'o' }, rotate: { type: 'boolean' } },
    }));
  } catch (error) {
    output.error(`${(error as Error).message}\nUsage: ${URL_SIGNING_KEY_USAGE}`);
    return 2;
  }
  const name = values.organization?.trim();
  if (values.organization !== undefined && !name) {
    output.error(`--organization needs an id or a name\nUsage: ${URL_SIGNING_KEY_USAGE}`);
    return 2;
  }
  const organization = name
    ? await createCollectionsRepository(db).findOrCreateOrganization(name)
    : COLLECTIONS_DEFAULT_ORGANIZATION;
  const playback = createPlaybackRepository(db);
  const key = values.rotate
    ? await playback.rotateUrlSigningKey(organization.id)
    : await playback.urlSigningKey(organization.id);
  output.log(`Organization "${organization.name}" (${organization.id})`);
  if (values.rotate) output.log('Rotated: URLs signed with the previous key answer 403 from now on.');
  output.log(`URL signing key (keep it on your servers; sign delivery URLs with it):\n${key}`);
  return 0;
}
