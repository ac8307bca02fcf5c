import { useId, useState, type SyntheticEvent, type ReactNode } from 'react';
import { OutcomeIssues } from './OutcomeIssues.tsx';

type ChartFormProps = {
  /** The button that opens the form, e.g. "Add problem". */
  title: string;
  /** What is saved, e.g. "the problem", for messages. */
  what: string;
  isSaving: boolean;
  /** The failed save, if the last one failed. */
  error: unknown;
  /** A message of the form's own checks, shown before anything is sent. */
  problem?: string | undefined;
  /** Sends the form; resolves true once stored, so the form can close. */
  onSubmit: () => Promise<boolean>;
  /** Called when the form is closed or opened again, to clear the last error. */
  onReset: () => void;
  children: (errorId: string | undefined) => ReactNode;
};

/** An add-* form behind a disclosure button, with the server's validation issues shown next to it. */
export function ChartForm({ title, what, isSaving, error, problem, onSubmit, onReset, children }: ChartFormProps) {
  const [isOpen, setIsOpen] = useState(false);
  const [savedMessage, setSavedMessage] = useState('');
  const formId = useId();
  const errorId = useId();
  const hasError = Boolean(problem) || Boolean(error);

  const submit = async (event: SyntheticEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (await onSubmit()) {
      setIsOpen(false);
      setSavedMessage(`Saved ${what}.`);
    }
  };

  return (
    <div className="chart-form">
      <button
        type="button"
        className="button button--small"
        aria-expanded={isOpen}
        aria-controls={formId}
        onClick={() => {
          setIsOpen(!isOpen);
          setSavedMessage('');
          onReset();
        }}
      >
        {isOpen ? 'Cancel' : title}
      </button>
      <p className="chart-form__saved" role="status">
        {savedMessage}
      </p>
      {isOpen && (
        <form
          id={formId}
          className="chart-form__form"
          aria-label={title}
          onSubmit={(event) => void submit(event)}
          noValidate
        >
          <div className="chart-form__fields">{children(hasError ? errorId : undefined)}</div>
          {problem && (
            <div id={errorId} className="form-error" role="alert">
              {problem}
            </div>
          )}
          {!problem && error !== null && error !== undefined && (
            <OutcomeIssues error={error} what={what} id={errorId} />
          )}
          <div>
            <button type="submit" className="button" disabled={isSaving}>
              {isSaving ? 'Saving…' : 'Save'}
            </button>
          </div>
        </form>
      )}
    </div>
  );
}
