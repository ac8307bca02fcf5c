import type { Resource } from '@caregraph/core/fhir';
import { useId, useState, type SyntheticEvent, type ReactNode } from 'react';
import { useCreateChartResource } from './api.ts';
import { OutcomeIssues } from './OutcomeIssues.tsx';

/** What the fields of a form need to show a failed check or save. */
export type ChartFormState = {
  /** The id of the error message, for `aria-describedby`, while one is shown. */
  errorId: string | undefined;
  /** True while the form's own checks refuse the fields. */
  hasProblem: boolean;
};

type ChartFormProps<T extends Resource> = {
  patientId: string;
  /** The button that opens the form, e.g. "Add problem". */
  title: string;
  /** What is saved, e.g. "the problem", for messages. */
  what: string;
  /** The resource the fields make, or why they do not make one yet (shown before anything is sent). */
  prepare: () => T | string;
  /** Called when the form is closed or opened again, to clear the fields that start empty. */
  onReset: () => void;
  children: (state: ChartFormState) => ReactNode;
};

/**
 * An add-* form behind a disclosure button: checks the fields, creates the resource in the
 * patient's chart, and shows the server's validation issues next to it.
 */
export function ChartForm<T extends Resource>({
  patientId,
  title,
  what,
  prepare,
  onReset,
  children,
}: ChartFormProps<T>) {
  const create = useCreateChartResource<T>(patientId);
  const [isOpen, setIsOpen] = useState(false);
  const [savedMessage, setSavedMessage] = useState('');
  const [problem, setProblem] = useState<string | undefined>();
  const formId = useId();
  const errorId = useId();
  const hasError = Boolean(problem) || Boolean(create.error);

  /** Resolves true once the resource is stored, so the form can close. */
  const save = async (): Promise<boolean> => {
    const prepared = prepare();
    if (typeof prepared === 'string') {
      setProblem(prepared);
      return false;
    }
    setProblem(undefined);
    try {
      await create.mutateAsync(prepared);
      return true;
    } catch {
      // The mutation's error is shown by OutcomeIssues.
      return false;
    }
  };

  const submit = async (event: SyntheticEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (await save()) {
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
          create.reset();
          setProblem(undefined);
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
          <div className="chart-form__fields">
            {children({ errorId: hasError ? errorId : undefined, hasProblem: Boolean(problem) })}
          </div>
          {problem && (
            <div id={errorId} className="form-error" role="alert">
              {problem}
            </div>
          )}
          {!problem && create.error !== null && <OutcomeIssues error={create.error} what={what} id={errorId} />}
          <div>
            <button type="submit" className="button" disabled={create.isPending}>
              {create.isPending ? 'Saving…' : 'Save'}
            </button>
          </div>
        </form>
      )}
    </div>
  );
}
