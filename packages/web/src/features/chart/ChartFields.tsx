import { useId, type InputHTMLAttributes } from 'react';

type InputFieldProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'value' | 'onChange'> & {
  label: string;
  value: string;
  onChange: (value: string) => void;
  /** Takes a whole row of the form (free text such as a dosage). */
  isWide?: boolean;
};

/** A labelled input of a chart form; other input attributes (type, min, placeholder…) pass through. */
export function InputField({ label, value, onChange, isWide = false, type = 'text', ...input }: InputFieldProps) {
  const id = useId();
  return (
    <div className={isWide ? 'field field--wide' : 'field'}>
      <label htmlFor={id}>{label}</label>
      <input {...input} id={id} type={type} value={value} onChange={(event) => onChange(event.target.value)} />
    </div>
  );
}

type SelectFieldProps<V extends string> = {
  label: string;
  value: V;
  options: readonly V[];
  onChange: (value: V) => void;
  /** The text shown for an option, when it is not the value itself. */
  optionLabel?: (value: V) => string;
};

/** A labelled select of a chart form over a fixed list of code values. */
export function SelectField<V extends string>({
  label,
  value,
  options,
  onChange,
  optionLabel = (option) => option,
}: SelectFieldProps<V>) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {/* The options are exactly `options`, so the selected value is one of them. */}
      <select id={id} value={value} onChange={(event) => onChange(event.target.value as V)}>
        {options.map((option) => (
          <option key={option} value={option}>
            {optionLabel(option)}
          </option>
        ))}
      </select>
    </div>
  );
}
