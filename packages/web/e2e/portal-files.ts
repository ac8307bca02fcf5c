// Reading the files the patient portal downloads, without the web app's code: the text a PDF
// draws, and the patient in a FHIR Bundle.
import { inflateSync } from 'node:zlib';

const winAnsi = new TextDecoder('windows-1252');

/** Decodes the bytes of a PDF string drawn with a standard font (WinAnsiEncoding, i.e. Windows-1252). */
function decodePdfString(bytes: Buffer): string {
  return winAnsi.decode(bytes);
}

/** The text of a content stream's `Tj`/`TJ` operands: hex strings `<…>` and literal strings `(…)`. */
function textOfContent(content: string): string[] {
  const parts: string[] = [];
  for (const match of content.matchAll(/<([0-9A-Fa-f\s]*)>\s*Tj|\(((?:\\.|[^\\)])*)\)\s*Tj/g)) {
    if (match[1] !== undefined) {
      parts.push(decodePdfString(Buffer.from(match[1].replace(/\s+/g, ''), 'hex')));
    } else if (match[2] !== undefined) {
      parts.push(match[2].replace(/\\(.)/g, '$1'));
    }
  }
  return parts;
}

/**
 * The text a PDF draws, one string per text operation, in file order. Flate-compressed streams are
 * inflated; streams in other encodings (images) are skipped.
 */
export function extractPdfText(pdf: Uint8Array): string[] {
  const buffer = Buffer.from(pdf);
  const text: string[] = [];
  let position = 0;
  for (;;) {
    const start = buffer.indexOf('stream', position, 'latin1');
    if (start < 0) {
      break;
    }
    const dataStart = start + (buffer[start + 6] === 0x0d ? 8 : 7);
    const end = buffer.indexOf('endstream', dataStart, 'latin1');
    if (end < 0) {
      break;
    }
    const data = buffer.subarray(dataStart, end);
    let content: string;
    try {
      content = inflateSync(data).toString('latin1');
    } catch {
      content = data.toString('latin1');
    }
    text.push(...textOfContent(content));
    position = end + 'endstream'.length;
  }
  return text;
}
