import { useEffect, useState } from 'react';

/** Copies `text` to the clipboard; hidden where the Clipboard API is unavailable (non-secure pages). */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const [copied, setCopied] = useState<boolean | undefined>(undefined);
  useEffect(() => {
    if (copied === undefined) {
      return;
    }
    const timer = setTimeout(() => {
      setCopied(undefined);
    }, 2000);
    return () => {
      clearTimeout(timer);
    };
  }, [copied]);
  if (!window.isSecureContext || !('clipboard' in navigator)) {
    return null;
  }
  const copy = () => {
    navigator.clipboard.writeText(text).then(
      () => {
        setCopied(true);
      },
      () => {
        setCopied(false);
      },
    );
  };
  return (
    <>
      <button type="button" className="button button--small" onClick={copy} aria-label={label}>
        Copy
      </button>
      <span className="copy-feedback" role="status">
        {copied === true ? 'Copied' : copied === false ? 'Copy failed' : ''}
      </span>
    </>
  );
}
