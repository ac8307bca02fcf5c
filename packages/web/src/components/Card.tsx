import { useId, type ReactNode } from 'react';

type CardProps = {
  title: string;
  /** Controls shown next to the title, such as a refresh button. */
  actions?: ReactNode;
  children: ReactNode;
};

/** A titled region of the page: a `section` landmark named by its heading. */
export function Card({ title, actions, children }: CardProps) {
  const headingId = useId();
  return (
    <section className="card" aria-labelledby={headingId}>
      <div className="card__header">
        <h2 id={headingId}>{title}</h2>
        {actions}
      </div>
      {children}
    </section>
  );
}
