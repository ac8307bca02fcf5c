// Text for the PDF's standard fonts: they draw only the WinAnsi (Windows-1252) characters, and
// lines are broken by measured width, not by character count.

/** Windows-1252's characters outside Latin-1 (its 0x80–0x9F range). */
const WIN_ANSI_EXTRA = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');

/** Readable stand-ins for characters the app writes that WinAnsi lacks. */
const REPLACEMENTS: Record<string, string> = {
  '≥': '>=',
  '≤': '<=',
  '₂': '2',
  '→': '->',
  '×': 'x',
  '\u00a0': ' ',
  '\u202f': ' ',
};

/** Whether a standard PDF font can draw the character. */
function isWinAnsi(character: string): boolean {
  const code = character.codePointAt(0) ?? 0;
  return (code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff) || WIN_ANSI_EXTRA.has(character);
}

/**
 * Text a standard PDF font can draw: composed (NFC), known symbols spelled out, line breaks and
 * tabs as spaces, and anything else as "?" rather than an error that would fail the whole PDF.
 */
export function toWinAnsi(text: string): string {
  let result = '';
  for (const character of text.normalize('NFC').replace(/[\t\r\n]+/g, ' ')) {
    const replacement = REPLACEMENTS[character];
    if (replacement !== undefined) {
      result += replacement;
    } else {
      result += isWinAnsi(character) ? character : '?';
    }
  }
  return result;
}

/**
 * Breaks text into lines no wider than `maxWidth` as `measure` reports widths, at spaces; a word
 * wider than a line on its own is cut where it must be.
 */
export function wrapText(text: string, maxWidth: number, measure: (text: string) => number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ').filter((part) => part !== '')) {
    const candidate = line === '' ? word : `${line} ${word}`;
    if (measure(candidate) <= maxWidth) {
      line = candidate;
      continue;
    }
    if (line !== '') {
      lines.push(line);
    }
    line = word;
    while (measure(line) > maxWidth && line.length > 1) {
      let cut = line.length - 1;
      while (cut > 1 && measure(line.slice(0, cut)) > maxWidth) {
        cut -= 1;
      }
      lines.push(line.slice(0, cut));
      line = line.slice(cut);
    }
  }
  if (line !== '') {
    lines.push(line);
  }
  return lines;
}
