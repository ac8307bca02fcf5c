// The sign-in and consent pages: plain server-rendered HTML forms, no script, usable with a
// keyboard and a screen reader (labelled fields, a heading per page, errors announced).

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ESCAPES[character] ?? character);
}

const STYLE = `body{font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1a1a1a}
label{display:block;margin-top:1rem;font-weight:600}input[type=text],input[type=email],input[type=password],input[type=search]{width:100%;padding:.5rem;font-size:1rem;box-sizing:border-box}
button{margin-top:1.25rem;margin-right:.5rem;padding:.5rem 1.25rem;font-size:1rem}fieldset{margin-top:1rem}
.error{border-left:4px solid #b00020;padding:.5rem 1rem;background:#fdecee}code{font-size:.9em}`;

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} – CareGraph</title><style>${STYLE}</style></head>
<body><main>
<h1>${escapeHtml(title)}</h1>
${body}
</main></body>
</html>`;
}

function errorBlock(message: string | undefined): string {
  return message === undefined ? '' : `<p class="error" role="alert">${escapeHtml(message)}</p>`;
}

/** An upstream identity provider offered on the sign-in page. */
export type SignInProvider = { id: string; displayName: string };

/** One form per provider: a POST, so that following a link or prefetching starts no sign-in. */
function providerButtons(action: string, providers: SignInProvider[]): string {
  if (providers.length === 0) {
    return '';
  }
  const forms = providers
    .map(
      (provider) => `<form method="post" action="${escapeHtml(action)}">
<input type="hidden" name="provider" value="${escapeHtml(provider.id)}">
<button type="submit">Sign in with ${escapeHtml(provider.displayName)}</button>
</form>`,
    )
    .join('\n');
  return `<section aria-labelledby="sso-heading"><h2 id="sso-heading">Or sign in with your organisation</h2>
${forms}
</section>`;
}

export function renderLoginPage(options: {
  action: string;
  clientName: string;
  email?: string;
  error?: string;
  /** Upstream providers of the tenant, and where their buttons post. */
  providers?: { action: string; list: SignInProvider[] };
}): string {
  return page(
    'Sign in',
    `<p>${escapeHtml(options.clientName)} asks you to sign in to CareGraph.</p>
${errorBlock(options.error)}
<form method="post" action="${escapeHtml(options.action)}">
<label for="email">E-mail address</label>
<input id="email" name="email" type="email" autocomplete="username" required value="${escapeHtml(options.email ?? '')}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>
${options.providers ? providerButtons(options.providers.action, options.providers.list) : ''}`,
  );
}

/** Why a sign-in through an upstream stopped, with the way back to the sign-in page while it lasts. */
export function renderUpstreamErrorPage(message: string, backTo?: string): string {
  const back = backTo === undefined ? '' : `<p><a href="${escapeHtml(backTo)}">Back to sign-in</a></p>`;
  return page('Sign-in not completed', `<p role="alert">${escapeHtml(message)}</p>\n${back}`);
}

export function renderMfaPage(options: {
  action: string;
  challengeToken: string;
  methods: string[];
  error?: string;
}): string {
  const hasTotp = options.methods.includes('totp');
  return page(
    'Second factor',
    `${errorBlock(options.error)}
<form method="post" action="${escapeHtml(options.action)}">
<input type="hidden" name="challengeToken" value="${escapeHtml(options.challengeToken)}">
<fieldset><legend>Code from</legend>
${hasTotp ? '<label><input type="radio" name="method" value="totp" checked> your authenticator app</label>' : ''}
<label><input type="radio" name="method" value="recovery-code"${hasTotp ? '' : ' checked'}> a recovery code</label>
</fieldset>
<label for="code">Code</label>
<input id="code" name="code" type="text" inputmode="text" autocomplete="one-time-code" required>
<button type="submit">Continue</button>
</form>`,
  );
}

export function renderMessagePage(title: string, message: string): string {
  return page(title, `<p>${escapeHtml(message)}</p>`);
}

export function renderErrorPage(message: string): string {
  return page('Something went wrong', `<p role="alert">${escapeHtml(message)}</p>`);
}

/** A patient to choose on the consent page: id and a label (name, birth date). */
export type PatientChoice = { id: string; label: string };

export function renderConsentPage(options: {
  action: string;
  searchAction: string;
  clientName: string;
  userName: string;
  scopes: string[];
  /** Present when the app asked for a patient and the user must pick one. */
  patients?: { choices: PatientChoice[]; search: string };
  error?: string;
}): string {
  const scopeList = options.scopes.map((scope) => `<li><code>${escapeHtml(scope)}</code></li>`).join('');
  const patients = options.patients;
  const picker = patients
    ? `<form method="get" action="${escapeHtml(options.searchAction)}" role="search">
<label for="search">Find a patient by name</label>
<input id="search" name="search" type="search" value="${escapeHtml(patients.search)}">
<button type="submit">Search</button>
</form>`
    : '';
  const choices = patients
    ? `<fieldset><legend>Patient</legend>${
        patients.choices.length === 0
          ? '<p>No patient matches.</p>'
          : patients.choices
              .map(
                (choice, index) =>
                  `<label><input type="radio" name="patient" value="${escapeHtml(choice.id)}"${index === 0 ? ' checked' : ''} required> ${escapeHtml(choice.label)}</label>`,
              )
              .join('\n')
      }</fieldset>`
    : '';
  return page(
    'Allow access',
    `<p>Signed in as ${escapeHtml(options.userName)}.</p>
<p>${escapeHtml(options.clientName)} asks for:</p>
<ul>${scopeList}</ul>
${errorBlock(options.error)}
${picker}
<form method="post" action="${escapeHtml(options.action)}">
${choices}
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>`,
  );
}
