import { useState } from 'react';
import { Card } from '../../components/Card.tsx';
import { CopyButton } from '../../components/CopyButton.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { describeChangeError } from '../admin-users/user-display.ts';
import { isMissingRoute, useDeleteIdentityProvider, useIdentityProviders } from './api.ts';
import type { IdentityProvider } from './types.ts';
import { ProviderFormView } from './ProviderFormView.tsx';

/** Which provider is being edited: none, a new one, or one by id. */
type Editing = { kind: 'none' } | { kind: 'new' } | { kind: 'existing'; id: string };

function ProviderDetails({ provider }: { provider: IdentityProvider }) {
  return (
    <dl className="provider__facts">
      <dt>Issuer</dt>
      <dd>{provider.issuer}</dd>
      <dt>Client id</dt>
      <dd>{provider.clientId}</dd>
      <dt>Redirect URI</dt>
      <dd>
        <code>{provider.redirectUri}</code> <CopyButton text={provider.redirectUri} label="Copy redirect URI" />
      </dd>
      <dt>E-mail domains</dt>
      <dd>{provider.allowedEmailDomains.length === 0 ? 'Any' : provider.allowedEmailDomains.join(', ')}</dd>
      <dt>New users</dt>
      <dd>
        {provider.justInTimeProvisioning
          ? `Created on first sign-in as ${provider.defaultRole ?? 'no role'}`
          : 'Only existing users can sign in'}
      </dd>
      <dt>Provider MFA</dt>
      <dd>{provider.acceptUpstreamMfa ? 'Accepted as our second factor' : 'Our own second factor is asked for'}</dd>
    </dl>
  );
}

type ProviderItemProps = { provider: IdentityProvider; onEdit: () => void; onRemoved: () => void };

/** A provider's settings with Edit and Remove; removing asks to be confirmed first. */
function ProviderItem({ provider, onEdit, onRemoved }: ProviderItemProps) {
  const remove = useDeleteIdentityProvider();
  const [isConfirming, setConfirming] = useState(false);
  const name = provider.displayName;
  return (
    <>
      <ProviderDetails provider={provider} />
      {remove.isError && (
        <p className="form-error" role="alert">
          {describeChangeError(remove.error)}
        </p>
      )}
      {isConfirming ? (
        <div className="manage-user__confirm" role="group" aria-label={`Confirm removing ${name}`}>
          <p>Users linked to {name} keep their accounts but can no longer sign in through it.</p>
          <div className="admin-actions">
            <button
              type="button"
              className="button button--danger"
              autoFocus
              disabled={remove.isPending}
              onClick={() => remove.mutate(provider.id, { onSuccess: onRemoved })}
            >
              Remove {name}
            </button>
            <button type="button" className="button button--small" onClick={() => setConfirming(false)}>
              Keep it
            </button>
          </div>
        </div>
      ) : (
        <div className="admin-actions">
          <button type="button" className="button button--small" onClick={onEdit}>
            Edit<span className="visually-hidden"> {name}</span>
          </button>
          <button
            type="button"
            className="button button--small button--danger-outline"
            onClick={() => setConfirming(true)}
          >
            Remove<span className="visually-hidden"> {name}</span>
          </button>
        </div>
      )}
    </>
  );
}

/**
 * The upstream OpenID providers this tenant's users can sign in with: add, edit, and remove. The
 * redirect URI to register at the provider is shown with each.
 */
export function IdentityProvidersSection() {
  const providers = useIdentityProviders();
  const [editing, setEditing] = useState<Editing>({ kind: 'none' });
  const [notice, setNotice] = useState<string | undefined>();

  if (providers.isError && isMissingRoute(providers.error)) {
    // This server does not offer upstream sign-in: nothing to configure here.
    return null;
  }
  const saved = (provider: IdentityProvider) => {
    setEditing({ kind: 'none' });
    setNotice(`${provider.displayName} saved.`);
  };
  return (
    <Card
      title="Sign-in with other identity providers"
      actions={
        editing.kind === 'none' && (
          <button type="button" className="button" onClick={() => setEditing({ kind: 'new' })}>
            Add provider
          </button>
        )
      }
    >
      <p className="admin-notice" role="status" aria-live="polite">
        {notice}
      </p>
      {editing.kind === 'new' && (
        <ProviderFormView provider={undefined} onSaved={saved} onCancel={() => setEditing({ kind: 'none' })} />
      )}
      {providers.isPending && <p className="muted">Loading identity providers…</p>}
      {providers.isError && (
        <ErrorMessage error={providers.error} what="the identity providers" onRetry={() => void providers.refetch()} />
      )}
      {providers.isSuccess && providers.data.length === 0 && editing.kind !== 'new' && (
        <p className="admin-empty">
          Users sign in with their CareGraph password only. Add an OpenID Connect provider (your organisation&apos;s
          single sign-on) to offer it on the sign-in page.
        </p>
      )}
      {providers.isSuccess && providers.data.length > 0 && (
        <ul className="provider-list">
          {providers.data.map((provider) => (
            <li key={provider.id} className="provider">
              <div className="provider__header">
                <h3>{provider.displayName}</h3>
                <StatusBadge tone={provider.enabled ? 'ok' : 'neutral'}>
                  {provider.enabled ? 'Enabled' : 'Disabled'}
                </StatusBadge>
              </div>
              {editing.kind === 'existing' && editing.id === provider.id ? (
                <ProviderFormView provider={provider} onSaved={saved} onCancel={() => setEditing({ kind: 'none' })} />
              ) : (
                <ProviderItem
                  provider={provider}
                  onEdit={() => {
                    setNotice(undefined);
                    setEditing({ kind: 'existing', id: provider.id });
                  }}
                  onRemoved={() => setNotice(`${provider.displayName} removed.`)}
                />
              )}
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
