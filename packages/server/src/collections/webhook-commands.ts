import { parseArgs } from 'node:util';
import type { Knex } from '../core/db.js';
import type { CommandOutput } from './api-key-commands.js';
import {
  createWebhook,
  listWebhooks,
  removeWebhook,
  unknownEventFilter,
  WEBHOOK_EVENTS,
} from './webhook-store.js';

/**
 * The CLI's collections webhook commands (`add-webhook`, `list-webhooks`, `remove-webhook`): the
 * dashboard panel of the original. Each resolves the process exit code: 0 done, 1 nothing matched,
 * 2 bad usage.
 */

export const WEBHOOK_COMMANDS_USAGE = {
  add: 'add-webhook <url> [--organization <id or name>] [--events <event,…>]',
  list: 'list-webhooks',
  remove: 'remove-webhook <webhook id>',
};

export async function addWebhookCommand(db: Knex, args: string[], output: CommandOutput): Promise<number> {
  const fail = (message: string) => {
    output.error(`${message}\nUsage: ${WEBHOOK_COMMANDS_USAGE.add}`);
    return 2;
  };
  let parsed: ReturnType<typeof parseAddArgs>;
  try {
    parsed = parseAddArgs(args);
  } catch (error) {
    return fail((error as Error).message);
  }
  const { values, positionals } = parsed;
  const [url, ...rest] = positionals;
  if (!url || rest.length > 0) return fail('Give one URL');
  let parsedUrl: URL;
  try {
    parsedUrl = new URL(url);
  } catch {
    return fail(`Not a URL: ${url}`);
  }
  if (parsedUrl.protocol !== 'https:' && parsedUrl.protocol !== 'http:')
    return fail('The URL must be http(s)');
  const organization = values.organization?.trim();
  if (values.organization !== undefined && !organization) return fail('--organization needs an id or a name');
  const events = values.events
    ?.split(',')
    .map((event) => event.trim())
    .filter(Boolean);
  const unknown = events && unknownEventFilter(events);
  if (unknown)
    return fail(`Unknown event "${unknown}"; events are ${WEBHOOK_EVENTS.join(', ')} (or <prefix>.*, or *)`);
  const created = await createWebhook(db, { url: parsedUrl.href, organization, events });
  output.log(`Webhook ${created.id} → ${created.url} (events: ${created.events.join(', ')})`);
  output.log(`Organization "${created.organization.name}" (${created.organization.id})`);
  output.log(`Signing secret (shown once, keep it safe; verify deliveries with it):\n${created.secret}`);
  return 0;
}

const parseAddArgs = (args: string[]) =>
  parseArgs({
    args,
    options: { organization: { type: 'string', short: 'o' }, events: { type: 'string', short: 'e' } },
    allowPositionals: true,
  });

export async function listWebhooksCommand(db: Knex, output: CommandOutput): Promise<number> {
  const webhooks = await listWebhooks(db);
  if (webhooks.length === 0) output.log('No collections webhooks.');
  for (const webhook of webhooks) {
    const created = new Date(webhook.created_at).toISOString().replace(/\.\d{3}Z$/, 'Z');
    output.log(
      `${webhook.id}  ${created}  ${webhook.organization.name} (${webhook.organization.id})  ${webhook.url}  ` +
        `events: ${webhook.events.join(',')}  pending: ${webhook.pending}  failed: ${webhook.failed}`,
    );
  }
  return 0;
}

export async function removeWebhookCommand(db: Knex, args: string[], output: CommandOutput): Promise<number> {
  const [id, ...rest] = args;
  if (!id || rest.length > 0) {
    output.error(`Usage: ${WEBHOOK_COMMANDS_USAGE.remove}`);
    return 2;
  }
  if (!(await removeWebhook(db, id))) {
    output.error('No collections webhook has that id.');
    return 1;
  }
  output.log('Removed: the endpoint gets no more deliveries (pending ones are dropped).');
  return 0;
}
