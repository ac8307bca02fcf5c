import { useId } from 'react';
import { Card } from '../../components/Card.tsx';
import { CopyButton } from '../../components/CopyButton.tsx';
import './connect.css';

/** Where the FHIR API lives and how to authenticate against it. */
export function ConnectCard() {
  const baseUrl = `${window.location.origin}/fhir/R4`;
  const exampleId = useId();
  return (
    <Card title="Connect">
      <dl className="connect">
        <div>
          <dt>FHIR base URL</dt>
          <dd className="copy-row">
            <code className="code-inline" data-testid="fhir-base-url">
              {baseUrl}
            </code>
            <CopyButton text={baseUrl} label="Copy the FHIR base URL" />
          </dd>
        </div>
        <div>
          <dt>Authentication</dt>
          <dd>
            <p>
              Send <code className="code-inline">Authorization: Bearer &lt;access token&gt;</code> with every request;
              only <code className="code-inline">/metadata</code> and the discovery documents are public.
            </p>
            <p>
              Access tokens come from <code className="code-inline">/oauth/token</code>: scripts use the bootstrap
              client (<code className="code-inline">client_credentials</code>; its secret is{' '}
              <code className="code-inline">CAREGRAPH_BOOTSTRAP_CLIENT_SECRET</code> or{' '}
              <code className="code-inline">&lt;data dir&gt;/client-secret</code>), apps sign users in with SMART App
              Launch (<code className="code-inline">/fhir/R4/.well-known/smart-configuration</code>).
            </p>
          </dd>
        </div>
      </dl>
      <p className="example-label" id={exampleId}>
        Example
      </p>
      <pre className="code-block" aria-labelledby={exampleId} tabIndex={0}>
        <code>{`curl -H "Authorization: Bearer $ACCESS_TOKEN" \\\n  "${baseUrl}/Patient?_count=10"`}</code>
      </pre>
    </Card>
  );
}
