import { useId, type InputHTMLAttributes, type Ref } from 'react';
import './admin-forms.css';

type TextFieldProps = {
  label: string;
  value: string;
  onChange: (value: string) => void;
  /** The field's problem, shown under it and tied to it with aria-describedby. */
  error?: string | undefined;
  hint?: string;
  inputRef?: Ref<HTMLInputElement>;
} & Pick<InputHTMLAttributes<HTMLInputElement>, 'type' | 'autoComplete' | 'name' | 'required' | 'placeholder' | 'list'>;

/** A labelled text input whose error is announced with it and marked invalid. */
export function TextField({ label, value, onChange, error, hint, inputRef, ...input }: TextFieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint ? hintId : undefined, error ? errorId : undefined].filter(Boolean).join(' ');
  return (
    <div className="admin-field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        ref={inputRef}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy === '' ? undefined : describedBy}
        {...input}
      />
      {hint && (
        <span id={hintId} className="admin-field__hint muted">
          {hint}
        </span>
      )}
      {error && (
        <span id={errorId} className="field-error">
          {error}
        </span>
      )}
    </div>
  );
}
