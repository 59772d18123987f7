import { randomUUID } from 'node:crypto';
import type { Transporter } from 'nodemailer';
import type { ServerConfig } from './config.js';
import type { Knex, Migration } from './db.js';
import type { Logger } from './logger.js';

/**
 * The mail provider every API module sends through (sign-up codes, password resets, …).
 * By default mail goes to an outbox kept in the database and printed to the log, so a newcomer
 * with nothing configured can still read a code; with `SMTP_URL` it goes out over SMTP.
 */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

export interface OutboxEntry extends MailMessage {
  id: string;
  /** ISO-8601 instant the message was sent. */
  sentAt: string;
}

export interface MailProvider {
  /** `outbox` or `smtp`. */
  readonly name: string;
  send(message: MailMessage): Promise<void>;
  /** The outbox, newest first; empty for providers that hand mail to someone else. */
  outbox(limit?: number): Promise<OutboxEntry[]>;
}

const OUTBOX = 'mail_outbox';
/** Older messages are dropped so a long-running dev server's outbox stays small. */
const OUTBOX_KEEP = 500;

/** The outbox lives in the database so every instance sharing one PostgreSQL shows the same mail. */
export const mailOutboxMigration: Migration = {
  name: 'core_mail_001_outbox',
  async up(db) {
    await db.schema.createTable(OUTBOX, (table) => {
      table.increments('seq').primary();
      table.string('id', 36).notNullable().unique();
      table.string('recipient', 320).notNullable();
      table.text('subject').notNullable();
      table.text('text').notNullable();
      table.bigInteger('sent_at').notNullable();
    });
  },
  async down(db) {
    await db.schema.dropTable(OUTBOX);
  },
};

interface OutboxRow {
  seq: number;
  id: string;
  recipient: string;
  subject: string;
  text: string;
  sent_at: number | string;
}

export function createOutboxMailProvider(db: Knex, logger: Logger): MailProvider {
  return {
    name: 'outbox',
    async send(message) {
      await db(OUTBOX).insert({
        id: randomUUID(),
        recipient: message.to,
        subject: message.subject,
        text: message.text,
        sent_at: Date.now(),
      });
      // The point of the outbox: a developer reads the code in the log without any mail setup.
      logger.info({ to: message.to, subject: message.subject, text: message.text }, 'mail (outbox)');
      const newest = await db(OUTBOX).max('seq as seq').first();
      const cutoff = Number(newest?.seq ?? 0) - OUTBOX_KEEP;
      if (cutoff > 0) await db(OUTBOX).where('seq', '<=', cutoff).delete();
    },
    async outbox(limit = 100) {
      const rows = await db<OutboxRow>(OUTBOX).orderBy('seq', 'desc').limit(limit);
      return rows.map((row) => ({
        id: row.id,
        to: row.recipient,
        subject: row.subject,
        text: row.text,
        sentAt: new Date(Number(row.sent_at)).toISOString(),
      }));
    },
  };
}

export function createSmtpMailProvider(options: { url: string; from: string }, logger: Logger): MailProvider {
  // nodemailer is loaded with the first message, not at start (where the outbox needs none of it).
  let transport: Transporter | undefined;
  return {
    name: 'smtp',
    async send(message) {
      transport ??= (await import('nodemailer')).default.createTransport(options.url);
      const info = await transport.sendMail({ from: options.from, ...message });
      logger.info(
        { to: message.to, subject: message.subject, messageId: info.messageId },
        'mail sent (smtp)',
      );
    },
    async outbox() {
      return [];
    },
  };
}

export function createMailProvider(config: ServerConfig, db: Knex, logger: Logger): MailProvider {
  return config.mail.smtpUrl
    ? createSmtpMailProvider({ url: config.mail.smtpUrl, from: config.mail.from }, logger)
    : createOutboxMailProvider(db, logger);
}
