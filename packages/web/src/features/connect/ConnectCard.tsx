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
              Send <code className="code-inline">Authorization: Bearer &lt;API key&gt;</code> with every request; only{' '}
              <code className="code-inline">/metadata</code> is public.
            </p>
            <p>
              The key is <code className="code-inline">CAREGRAPH_API_KEY</code> when set. Otherwise the server generates
              one on first start and keeps it in <code className="code-inline">&lt;data dir&gt;/api-key</code>.
            </p>
          </dd>
        </div>
      </dl>
      <p className="example-label" id={exampleId}>
        Example
      </p>
      <pre className="code-block" aria-labelledby={exampleId} tabIndex={0}>
        <code>{`curl -H "Authorization: Bearer $API_KEY" \\\n  "${baseUrl}/Patient?_count=10"`}</code>
      </pre>
    </Card>
  );
}
