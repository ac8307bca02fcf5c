import { ApiError } from '@caregraph/core/client';
import type { Attachment, DiagnosticReport, DocumentReference, Observation } from '@caregraph/core/fhir';
import { useMemo, useState } from 'react';
import { Card } from '../../components/Card.tsx';
import { describeError } from '../../components/describe-error.ts';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { useDiagnosticReports, useDocuments, useLabResults } from '../chart/api.ts';
import { formatConcept, formatDateTime, formatObservationValue } from '../chart/fhir-display.ts';
import { ResourceSection } from '../chart/ResourceSection.tsx';
import { useClient } from '../session/SessionProvider.tsx';
import { attachmentFileName, canLoadAttachment, loadAttachment, mediaType } from './attachments.ts';
import { explainLabResult } from './plain-language.ts';
import { saveFile } from './save-file.ts';

/** Types the browser shows without running anything from the file in this site's origin. */
function canOpenInBrowser(contentType: string): boolean {
  return contentType === 'application/pdf' || contentType === 'text/plain' || contentType.startsWith('image/');
}

/** Open (read in the page or a new tab) and download buttons for one attachment, with their own errors. */
function AttachmentActions({ attachment, fallbackTitle }: { attachment: Attachment; fallbackTitle: string }) {
  const client = useClient();
  const [text, setText] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const origin = window.location.origin;
  const type = mediaType(attachment.contentType);
  const name = attachment.title ?? fallbackTitle;
  if (!canLoadAttachment(attachment, origin)) {
    return attachment.url ? (
      <a href={attachment.url} rel="noreferrer noopener" target="_blank">
        Open {name} (opens another site)
      </a>
    ) : (
      <span className="muted">This document has no content to show.</span>
    );
  }
  const run = async (action: 'open' | 'download') => {
    setBusy(true);
    setError(undefined);
    try {
      const { bytes, contentType } = await loadAttachment(client, attachment, origin);
      if (action === 'download') {
        saveFile(bytes, attachmentFileName(attachment, fallbackTitle), contentType);
      } else if (contentType === 'text/plain') {
        setText(new TextDecoder().decode(bytes));
      } else {
        const url = URL.createObjectURL(new Blob([bytes], { type: contentType }));
        window.open(url, '_blank', 'noopener');
        // The new tab has read the blob long before this; until then it must stay valid.
        setTimeout(() => URL.revokeObjectURL(url), 60_000);
      }
    } catch (caught) {
      // A document stored elsewhere says so itself; a failed request is explained as any other.
      setError(
        caught instanceof ApiError || !(caught instanceof Error)
          ? describeError(caught, 'this document')
          : caught.message,
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="portal-attachment">
      <div className="portal-actions">
        {canOpenInBrowser(type) &&
          (text === undefined ? (
            <button type="button" className="button button--small" disabled={busy} onClick={() => void run('open')}>
              Open<span className="visually-hidden"> {name}</span>
            </button>
          ) : (
            <button type="button" className="button button--small" onClick={() => setText(undefined)}>
              Close<span className="visually-hidden"> {name}</span>
            </button>
          ))}
        <button type="button" className="button button--small" disabled={busy} onClick={() => void run('download')}>
          Download<span className="visually-hidden"> {name}</span>
        </button>
      </div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {text !== undefined && (
        <pre className="document-item__text" tabIndex={0} aria-label={name}>
          {text}
        </pre>
      )}
    </div>
  );
}

function DocumentItem({ document }: { document: DocumentReference }) {
  const title = formatConcept(document.type, 'Document');
  return (
    <li className="document-item" data-testid="portal-document">
      <div className="document-item__title">
        <strong>{document.content[0]?.attachment.title ?? title}</strong>
        <span className="muted">
          {' '}
          · {formatDateTime(document.date)}
          {document.author?.[0]?.display ? ` · ${document.author[0].display}` : ''}
        </span>
      </div>
      {document.description && <p>{document.description}</p>}
      {document.content.map((content, index) => (
        <AttachmentActions key={index} attachment={content.attachment} fallbackTitle={title} />
      ))}
    </li>
  );
}

function ReportItem({
  report,
  results,
  ageYears,
}: {
  report: DiagnosticReport;
  results: ReadonlyMap<string, Observation>;
  ageYears: number | undefined;
}) {
  const title = formatConcept(report.code, 'Report');
  const members = (report.result ?? []).flatMap((reference) => {
    const result = reference.reference ? results.get(reference.reference) : undefined;
    return result ? [result] : [];
  });
  return (
    <li className="document-item" data-testid="portal-report">
      <div className="document-item__title">
        <strong>{title}</strong>
        <span className="muted"> · {formatDateTime(report.effectiveDateTime ?? report.issued)}</span>
      </div>
      {report.conclusion && <p>{report.conclusion}</p>}
      {(report.presentedForm ?? []).map((attachment, index) => (
        <AttachmentActions key={index} attachment={attachment} fallbackTitle={title} />
      ))}
      {members.length > 0 && (
        <details className="portal-details">
          <summary>
            Results ({members.length})<span className="visually-hidden"> of {title}</span>
          </summary>
          <ul className="portal-list portal-readings">
            {members.map((result) => {
              const verdict = explainLabResult(result, ageYears);
              return (
                <li key={result.id}>
                  <div className="portal-reading__head">
                    <span>{formatConcept(result.code)}</span>
                    <strong className="portal-reading__value">{formatObservationValue(result)}</strong>
                    <StatusBadge tone={verdict.tone}>{verdict.word}</StatusBadge>
                  </div>
                </li>
              );
            })}
          </ul>
        </details>
      )}
    </li>
  );
}

/** Documents and notes (DocumentReference) and test reports (DiagnosticReport), to read or save. */
export function DocumentsSection({ patientId, ageYears }: { patientId: string; ageYears: number | undefined }) {
  const documents = useDocuments(patientId);
  const reports = useDiagnosticReports(patientId);
  const labResults = useLabResults(patientId);
  const results = useMemo(
    () => new Map(labResults.resources.map((result) => [`Observation/${result.id ?? ''}`, result])),
    [labResults.resources],
  );
  return (
    <>
      <Card title="Documents and letters">
        <ResourceSection search={documents} what="documents">
          {(rows) => (
            <ul className="document-list">
              {rows.map((document) => (
                <DocumentItem key={document.id} document={document} />
              ))}
            </ul>
          )}
        </ResourceSection>
      </Card>
      <Card title="Test reports">
        <ResourceSection search={reports} what="test reports">
          {(rows) => (
            <ul className="document-list">
              {rows.map((report) => (
                <ReportItem key={report.id} report={report} results={results} ageYears={ageYears} />
              ))}
            </ul>
          )}
        </ResourceSection>
      </Card>
    </>
  );
}
