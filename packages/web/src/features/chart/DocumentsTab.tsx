import type { DocumentReference } from '@caregraph/core/fhir';
import { Card } from '../../components/Card.tsx';
import { useDocuments } from './api.ts';
import { formatConcept, formatDateTime } from './fhir-display.ts';
import { ResourceSection } from './ResourceSection.tsx';

/** The text of a note sent inline as base64 plain text; undefined for other attachments. */
export function inlineNoteText(document: DocumentReference): string | undefined {
  const attachment = document.content.find((content) => content.attachment.data)?.attachment;
  if (!attachment?.data || !(attachment.contentType ?? 'text/plain').startsWith('text/plain')) {
    return undefined;
  }
  try {
    const bytes = Uint8Array.from(atob(attachment.data), (character) => character.charCodeAt(0));
    return new TextDecoder().decode(bytes);
  } catch {
    return undefined;
  }
}

function DocumentItem({ document }: { document: DocumentReference }) {
  const text = inlineNoteText(document);
  const attachment = document.content[0]?.attachment;
  return (
    <li className="document-item">
      <div className="document-item__title">
        <strong>{attachment?.title ?? formatConcept(document.type, 'Document')}</strong>
        <span className="muted">
          {' '}
          · {formatDateTime(document.date)}
          {document.author?.[0]?.display ? ` · ${document.author[0].display}` : ''}
        </span>
      </div>
      {document.description && <p>{document.description}</p>}
      {text ? (
        <details>
          <summary>Show note</summary>
          <pre className="document-item__text">{text}</pre>
        </details>
      ) : (
        attachment?.url && (
          <a href={attachment.url} rel="noreferrer">
            Open {attachment.contentType ?? 'attachment'}
          </a>
        )
      )}
    </li>
  );
}

/** Clinical notes and documents (DocumentReference), newest first. */
export function DocumentsTab({ patientId }: { patientId: string }) {
  const documents = useDocuments(patientId);
  return (
    <Card title="Documents and notes">
      <ResourceSection search={documents} what="documents or notes">
        {(rows) => (
          <ul className="document-list" data-testid="documents-list">
            {rows.map((document) => (
              <DocumentItem key={document.id} document={document} />
            ))}
          </ul>
        )}
      </ResourceSection>
    </Card>
  );
}
