import { useEffect, useState, type SyntheticEvent } from 'react';
import { Card } from '../../components/Card.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { describeChangeError } from '../admin-users/user-display.ts';
import { TextField } from '../admin-users/TextField.tsx';
import { isMissingRoute, useRenameTenant, useTenant } from './api.ts';

/** The tenant's display name, shown on sign-in pages and in e-mails; its id never changes. */
export function TenantNameSection() {
  const tenant = useTenant();
  const rename = useRenameTenant();
  const [name, setName] = useState('');
  const [problem, setProblem] = useState<string | undefined>();
  const [notice, setNotice] = useState<string | undefined>();
  const loadedName = tenant.data?.name;
  useEffect(() => {
    if (loadedName !== undefined) {
      setName(loadedName);
    }
  }, [loadedName]);

  if (tenant.isError && isMissingRoute(tenant.error)) {
    // This server has no tenant settings route: nothing to configure here.
    return null;
  }
  const submit = (event: SyntheticEvent<HTMLFormElement>) => {
    event.preventDefault();
    const trimmed = name.trim();
    if (trimmed === '' || trimmed.length > 200) {
      setProblem('Enter a name of 1 to 200 characters.');
      return;
    }
    setProblem(undefined);
    setNotice(undefined);
    rename.mutate(trimmed, { onSuccess: () => setNotice('Name saved.') });
  };
  return (
    <Card title="Organisation">
      {tenant.isPending && <p className="muted">Loading…</p>}
      {tenant.isError && <ErrorMessage error={tenant.error} what="the tenant" onRetry={() => void tenant.refetch()} />}
      {tenant.isSuccess && (
        <form className="tenant-name" onSubmit={submit} noValidate>
          <p className="muted">
            Tenant id <code>{tenant.data.id}</code> (fixed).
          </p>
          <p className="admin-notice" role="status" aria-live="polite">
            {notice}
          </p>
          {rename.isError && (
            <p className="form-error" role="alert">
              {describeChangeError(rename.error)}
            </p>
          )}
          <TextField label="Display name" name="tenantName" value={name} onChange={setName} error={problem} required />
          <div className="admin-actions">
            <button type="submit" className="button" disabled={rename.isPending || name.trim() === loadedName}>
              {rename.isPending ? 'Saving…' : 'Save name'}
            </button>
          </div>
        </form>
      )}
    </Card>
  );
}
