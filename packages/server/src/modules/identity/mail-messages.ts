import type { MailMessage } from '../../platform/mailer.ts';

// Plain text only: links in HTML mail are where phishing hides its real target.

export function inviteMessage(options: {
  to: string;
  displayName: string;
  link: string;
  expiresAt: Date;
}): MailMessage {
  return {
    to: options.to,
    subject: 'Your CareGraph account',
    text: [
      `Hello ${options.displayName},`,
      '',
      'An account has been created for you on CareGraph. Choose your password here:',
      '',
      options.link,
      '',
      `The link works once, until ${options.expiresAt.toUTCString()}.`,
      'If you did not expect this message, ignore it.',
    ].join('\n'),
  };
}

export function resetMessage(options: { to: string; link: string; expiresAt: Date }): MailMessage {
  return {
    to: options.to,
    subject: 'Reset your CareGraph password',
    text: [
      'Someone asked to reset the password of your CareGraph account. If it was you, choose a new password here:',
      '',
      options.link,
      '',
      `The link works once, until ${options.expiresAt.toUTCString()}.`,
      'If you did not ask for this, ignore this message: your password stays as it is.',
    ].join('\n'),
  };
}
