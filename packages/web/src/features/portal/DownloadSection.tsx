import { useState } from 'react';
import { Card } from '../../components/Card.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { useClient } from '../session/SessionProvider.tsx';
import { fetchRecordBundle, recordFileName, resourcesOf, type DownloadProgress } from './record-bundle.ts';
import { saveFile } from './save-file.ts';

type Job = { kind: 'bundle' | 'pdf'; progress: DownloadProgress | undefined };

/**
 * Download my record: the whole record as a FHIR Bundle (`$everything`, every page), or a printable
 * PDF summary drawn in the browser from the same data. The PDF code loads only when asked for.
 */
export function DownloadSection({ patientId, patientName }: { patientId: string; patientName: string }) {
  const client = useClient();
  const [job, setJob] = useState<Job | undefined>();
  const [error, setError] = useState<{ kind: Job['kind']; error: unknown } | undefined>();
  const [done, setDone] = useState<string | undefined>();

  const run = async (kind: Job['kind']) => {
    setJob({ kind, progress: undefined });
    setError(undefined);
    setDone(undefined);
    try {
      const bundle = await fetchRecordBundle(client, patientId, {
        onProgress: (progress) => setJob({ kind, progress }),
      });
      const now = new Date();
      if (kind === 'bundle') {
        const fileName = recordFileName(patientName, now, 'json');
        saveFile(JSON.stringify(bundle, null, 2), fileName, 'application/fhir+json');
        setDone(`Saved ${fileName} (${bundle.entry?.length ?? 0} entries).`);
      } else {
        const [{ buildRecordSummary }, { renderRecordPdf }] = await Promise.all([
          import('./record-summary.ts'),
          import('./record-pdf.ts'),
        ]);
        const pdf = await renderRecordPdf(buildRecordSummary(resourcesOf(bundle), now));
        const fileName = recordFileName(patientName, now, 'pdf');
        saveFile(pdf, fileName, 'application/pdf');
        setDone(`Saved ${fileName}.`);
      }
    } catch (caught) {
      setError({ kind, error: caught });
    } finally {
      setJob(undefined);
    }
  };

  const progressText = job?.progress
    ? `Read ${job.progress.resources} entries (${job.progress.pages} ${job.progress.pages === 1 ? 'page' : 'pages'})…`
    : 'Starting…';
  return (
    <Card title="Download my record">
      <div className="portal-downloads">
        <section className="portal-download" aria-labelledby="portal-download-pdf">
          <h3 id="portal-download-pdf" className="portal-subheading">
            Printable summary (PDF)
          </h3>
          <p>
            Your problems, medicines, allergies, latest measurements and results, vaccinations and appointments, to
            print or share.
          </p>
          <button type="button" className="button" disabled={job !== undefined} onClick={() => void run('pdf')}>
            Download PDF summary
          </button>
        </section>
        <section className="portal-download" aria-labelledby="portal-download-bundle">
          <h3 id="portal-download-bundle" className="portal-subheading">
            Complete record (FHIR)
          </h3>
          <p>
            Everything in your record as a FHIR R4 Bundle (JSON), the standard format other health apps and clinics can
            import.
          </p>
          <button type="button" className="button" disabled={job !== undefined} onClick={() => void run('bundle')}>
            Download FHIR record
          </button>
        </section>
      </div>
      <div aria-live="polite" className="portal-download-status">
        {job && <p className="muted">{progressText}</p>}
        {done && <p data-testid="portal-download-done">{done}</p>}
      </div>
      {error && (
        <ErrorMessage
          error={error.error}
          what={error.kind === 'pdf' ? 'your record for the summary' : 'your record'}
          onRetry={() => void run(error.kind)}
        />
      )}
    </Card>
  );
}
