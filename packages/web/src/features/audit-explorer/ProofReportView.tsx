import { StatusBadge } from '../../components/StatusBadge.tsx';
import type { InclusionProofJson, ProofReport, ProofStepName } from './verify-proof.ts';

const STEP_LABELS: Record<ProofStepName, string> = {
  entry: 'The proof is for this entry',
  'leaf-hash': 'Entry text hashes to its leaf',
  inclusion: 'Audit path leads to the signed root',
  key: 'Signing key matches its id',
  signature: 'Tree head signature (Ed25519)',
};

/** Each step of the in-browser check with its outcome, and the tree head it was checked against. */
export function ProofReportView({ report, proof }: { report: ProofReport; proof: InclusionProofJson }) {
  const head = proof.treeHead;
  return (
    <div className="proof-report" data-testid="proof-report" data-verified={report.isVerified}>
      <p
        className={
          report.isVerified
            ? 'proof-report__verdict proof-report__verdict--ok'
            : 'proof-report__verdict proof-report__verdict--bad'
        }
        role="status"
      >
        {report.isVerified
          ? `Verified in this browser: the entry is leaf ${proof.leafIndex} of the ${head.treeSize}-entry log signed at ${new Date(head.timestampMs).toLocaleString()}.`
          : 'Not verified: this entry could not be proven to be in the signed log. See the failed steps below.'}
      </p>
      <ol className="proof-report__steps">
        {report.steps.map((step) => (
          <li key={step.name} data-step={step.name} data-valid={step.isValid}>
            <StatusBadge tone={step.isValid ? 'ok' : 'error'}>{step.isValid ? 'Passed' : 'Failed'}</StatusBadge>{' '}
            <span className="proof-report__step-name">{STEP_LABELS[step.name]}</span>
            <span className="proof-report__detail muted">{step.detail}</span>
          </li>
        ))}
      </ol>
      <details className="proof-report__raw">
        <summary>Proof data</summary>
        <dl>
          <dt>Leaf index</dt>
          <dd>{proof.leafIndex}</dd>
          <dt>Tree size</dt>
          <dd>{head.treeSize}</dd>
          <dt>Root hash</dt>
          <dd>
            <code>{head.rootHash}</code>
          </dd>
          <dt>Signed</dt>
          <dd>{head.timestamp}</dd>
          <dt>Key id</dt>
          <dd>
            <code>{head.keyId}</code>
          </dd>
          <dt>Audit path</dt>
          <dd>
            <ol className="proof-report__path">
              {proof.proof.map((hash, index) => (
                <li key={`${index}-${hash}`}>
                  <code>{hash}</code>
                </li>
              ))}
            </ol>
          </dd>
        </dl>
      </details>
    </div>
  );
}
