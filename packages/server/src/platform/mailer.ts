import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import fp from 'fastify-plugin';
import { createTransport } from 'nodemailer';

/** A plain-text message. Bodies may carry one-time links: never log them. */
export type MailMessage = { to: string; subject: string; text: string };

/** Sends mail: through SMTP when configured, else into files for a developer to open. */
export type Mailer = {
  send: (message: MailMessage) => Promise<void>;
  close: () => void;
};

export type MailerOptions = {
  /** `smtp://user:pass@host:587` or `smtps://…`; undefined writes text files into `dropDir`. */
  smtpUrl: string | undefined;
  from: string;
  dropDir: string;
};

declare module 'fastify' {
  interface FastifyInstance {
    mailer: Mailer;
  }
}

// A stalled mail server must not hold a request for minutes (nodemailer waits 2–10 minutes by default).
const SMTP_TIMEOUT_MS = 15_000;

/** Opens the configured mailer; SMTP connections are pooled and reused across messages. */
export function createMailer(options: MailerOptions): Mailer {
  if (options.smtpUrl === undefined) {
    return createDropDirMailer(options.from, options.dropDir);
  }
  const transport = createTransport({
    url: options.smtpUrl,
    connectionTimeout: SMTP_TIMEOUT_MS,
    greetingTimeout: SMTP_TIMEOUT_MS,
    socketTimeout: SMTP_TIMEOUT_MS,
  });
  return {
    async send(message) {
      await transport.sendMail({ from: options.from, to: message.to, subject: message.subject, text: message.text });
    },
    close: () => transport.close(),
  };
}

/**
 * Without an SMTP server (a laptop, the demo), each message becomes a private text file, unencoded so
 * that invitation and reset links can be copied from it.
 */
function createDropDirMailer(from: string, dropDir: string): Mailer {
  return {
    async send(message) {
      await mkdir(dropDir, { recursive: true, mode: 0o700 });
      const now = new Date();
      const file = path.join(dropDir, `${now.toISOString().replace(/[:.]/g, '-')}-${randomUUID()}.txt`);
      const headers = [
        `From: ${from}`,
        `To: ${message.to}`,
        `Subject: ${message.subject}`,
        `Date: ${now.toUTCString()}`,
      ];
      await writeFile(file, `${headers.join('\n')}\n\n${message.text}\n`, { mode: 0o600 });
    },
    close: () => undefined,
  };
}

/** Shares the mailer as `app.mailer` and closes its connections with the app. */
export const mailerPlugin = fp<{ mailer: Mailer }>(async (app, options) => {
  app.decorate('mailer', options.mailer);
  app.addHook('onClose', async () => {
    options.mailer.close();
  });
});
