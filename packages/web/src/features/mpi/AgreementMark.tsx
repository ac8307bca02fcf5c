import { AGREEMENT_DISPLAY, type Agreement } from './review-display.ts';

/** How a field compared: a symbol and a word on a tinted background, so colour is never the only cue. */
export function AgreementMark({ agreement }: { agreement: Agreement }) {
  const display = AGREEMENT_DISPLAY[agreement];
  return (
    <span className={`agreement agreement--${agreement}`}>
      <span className="agreement__symbol" aria-hidden="true">
        {display.symbol}
      </span>
      {display.label}
    </span>
  );
}
