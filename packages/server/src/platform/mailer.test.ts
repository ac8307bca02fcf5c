import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { createTempDir, type TempDir } from '../test/temp-dir.ts';
import { createMailer } from './mailer.ts';

type Received = { from: string; to: string[]; raw: string };

describe('mailer', () => {
  const received: Received[] = [];
  let server: SMTPServer;
  let smtpUrl: string;
  let temp: TempDir;

  before(async () => {
    server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((address) => address.address),
            raw: Buffer.concat(chunks).toString('utf8'),
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    smtpUrl = `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
    temp = createTempDir('mailer');
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    temp.remove();
  });

  it('delivers plain-text mail through the configured SMTP server', async () => {
    const mailer = createMailer({ smtpUrl, from: 'CareGraph <no-reply@clinic.example>', dropDir: temp.path });
    try {
      await mailer.send({ to: 'dana@clinic.example', subject: 'Hello', text: 'First line\nSecond line' });
    } finally {
      mailer.close();
    }

    assert.equal(received.length, 1);
    const [mail] = received;
    assert.equal(mail?.from, 'no-reply@clinic.example');
    assert.deepEqual(mail?.to, ['dana@clinic.example']);
    assert.match(mail?.raw ?? '', /^Subject: Hello$/m);
    assert.match(mail?.raw ?? '', /^Content-Type: text\/plain/m);
    assert.match(mail?.raw ?? '', /First line\r\nSecond line/);
  });

  it('rejects when the SMTP server cannot be reached', async () => {
    const mailer = createMailer({ smtpUrl: 'smtp://127.0.0.1:1', from: 'no-reply@clinic.example', dropDir: temp.path });
    try {
      await assert.rejects(mailer.send({ to: 'dana@clinic.example', subject: 'Lost', text: 'Never arrives' }));
    } finally {
      mailer.close();
    }
  });

  it('writes each message, unencoded, to a private text file when no SMTP server is configured', async () => {
    const dropDir = path.join(temp.path, 'mail');
    const mailer = createMailer({ smtpUrl: undefined, from: 'no-reply@clinic.example', dropDir });

    const link = `http://caregraph.test/reset-password#token=${'x'.repeat(43)}`;
    await mailer.send({ to: 'dana@clinic.example', subject: 'Dropped', text: `Read me from disk:\n${link}` });

    const files = readdirSync(dropDir);
    assert.equal(files.length, 1);
    const file = path.join(dropDir, files[0] ?? '');
    assert.match(file, /\.txt$/);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const content = readFileSync(file, 'utf8');
    assert.match(content, /^To: dana@clinic\.example$/m);
    assert.match(content, /^Subject: Dropped$/m);
    assert.ok(content.endsWith(`\n\nRead me from disk:\n${link}\n`));
  });
});
