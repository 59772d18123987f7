import { afterAll, beforeAll, expect, it } from 'vitest';
import type { CommandOutput } from '../src/collections/api-key-commands.js';
import {
  addWebhookCommand,
  listWebhooksCommand,
  removeWebhookCommand,
} from '../src/collections/webhook-commands.js';
import { startTestServer, type TestServer } from './helpers.js';

let test: TestServer;
beforeAll(async () => {
  test = await startTestServer({ demoData: false });
});
afterAll(() => test?.stop());

function capture(): CommandOutput & { text(): string; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return {
    errors,
    text: () => lines.join('\n'),
    log: (line) => lines.push(line),
    error: (line) => errors.push(line),
  };
}

it('add-webhook prints the id and the signing secret once; list-webhooks shows it; remove-webhook removes it', async () => {
  const added = capture();
  const args = [
    'https://hooks.example.com/adn',
    '--organization',
    'Acme',
    '--events',
    'track.status_changed, collection.*',
  ];
  expect(await addWebhookCommand(test.server.db, args, added)).toBe(0);
  const id =
    /^Webhook (\S+) → https:\/\/hooks\.example\.com\/adn \(events: track\.status_changed, collection\.\*\)$/m.exec(
      added.text(),
    )?.[1];
  const secret = /^(whsec_[A-Za-z0-9+/=]+)$/m.exec(added.text())?.[1];
  expect(id).toBeDefined();
  expect(Buffer.from(secret!.slice('whsec_'.length), 'base64')).toHaveLength(32);
  expect(added.text()).toMatch(/^Organization "Acme" \(/m);

  const listed = capture();
  expect(await listWebhooksCommand(test.server.db, listed)).toBe(0);
  expect(listed.text()).toContain(`${id}  `);
  expect(listed.text()).toMatch(
    /Acme \(.+\) {2}https:\/\/hooks\.example\.com\/adn {2}events: track\.status_changed,collection\.\* {2}pending: 0 {2}failed: 0/,
  );
  // The secret is shown once only.
  expect(listed.text()).not.toContain(secret);

  const removed = capture();
  expect(await removeWebhookCommand(test.server.db, [id!], removed)).toBe(0);
  const again = capture();
  expect(await removeWebhookCommand(test.server.db, [id!], again)).toBe(1);
  const empty = capture();
  await listWebhooksCommand(test.server.db, empty);
  expect(empty.text()).toBe('No collections webhooks.');
});

it('add-webhook refuses what is not an http(s) URL or not an event, with exit code 2', async () => {
  for (const args of [
    [],
    ['not a url'],
    ['ftp://hooks.example.com/'],
    ['https://a.example/', '--events', 'track.deleted'],
  ]) {
    const output = capture();
    expect(await addWebhookCommand(test.server.db, args, output)).toBe(2);
    expect(output.errors.join('\n')).toContain('Usage: add-webhook');
  }
  expect(await test.server.db('collections_webhooks').count({ count: '*' })).toEqual([{ count: 0 }]);
});
