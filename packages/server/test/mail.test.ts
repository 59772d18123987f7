import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/core/logger.js';
import { createSmtpMailProvider } from '../src/core/mail.js';
import { startTestServer } from './helpers.js';

interface ReceivedMail {
  from: string | undefined;
  to: string[];
  raw: string;
}

/** A local SMTP server that records what it receives. */
async function startSmtpServer() {
  const received: ReceivedMail[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined,
          to: session.envelope.rcptTo.map((recipient) => recipient.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const { port } = smtp.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => smtp.close(() => resolve())),
  };
}

describe('mail', () => {
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  beforeAll(async () => {
    smtp = await startSmtpServer();
  });
  afterAll(async () => {
    await smtp.close();
  });

  it('the SMTP provider delivers through nodemailer', async () => {
    const provider = createSmtpMailProvider(
      { url: smtp.url, from: 'music-apis <no-reply@music-apis.local>' },
      createLogger('silent'),
    );
    await provider.send({ to: 'someone@example.com', subject: 'Hello there', text: 'Body text 42' });
    const message = smtp.received.at(-1)!;
    expect(message.from).toBe('no-reply@music-apis.local');
    expect(message.to).toEqual(['someone@example.com']);
    expect(message.raw).toMatch(/^Subject: Hello there$/m);
    expect(message.raw).toContain('Body text 42');
    expect(await provider.outbox()).toEqual([]);
  });

  it('with SMTP_URL the server mails sign-up codes over SMTP and keeps no outbox', async () => {
    const { baseUrl, stop } = await startTestServer({
      mail: { smtpUrl: smtp.url, from: 'songs@example.com' },
    });
    try {
      const response = await fetch(`${baseUrl}/v1/auth/code?email=smtp-user@example.com`);
      expect(response.status).toBe(204);
      const message = smtp.received.at(-1)!;
      expect(message.to).toEqual(['smtp-user@example.com']);
      expect(message.raw).toMatch(/verification code is \d{6}/);
      expect(await (await fetch(`${baseUrl}/dev/mail`)).json()).toEqual([]);
    } finally {
      await stop();
    }
  });

  it('by default the outbox is listed newest first at /dev/mail', async () => {
    const { baseUrl, stop } = await startTestServer();
    try {
      for (const email of ['first@example.com', 'second@example.com']) {
        expect((await fetch(`${baseUrl}/v1/auth/code?email=${email}`)).status).toBe(204);
      }
      const outbox = (await (await fetch(`${baseUrl}/dev/mail`)).json()) as Record<string, string>[];
      expect(outbox.map((message) => message.recipient)).toEqual(['second@example.com', 'first@example.com']);
      expect(outbox[0]).toEqual({
        recipient: 'second@example.com',
        subject: 'Your NEWM verification code',
        text: expect.stringMatching(/code is \d{6}\. It expires in 5 minutes/),
        sentAt: expect.any(String),
      });
    } finally {
      await stop();
    }
  });

  it('in production mode /dev/mail does not exist', async () => {
    const { baseUrl, stop } = await startTestServer({ devEndpoints: false });
    try {
      expect((await fetch(`${baseUrl}/v1/auth/code?email=prod@example.com`)).status).toBe(204);
      expect((await fetch(`${baseUrl}/dev/mail`)).status).toBe(404);
    } finally {
      await stop();
    }
  });
});
