// The printable summary as a PDF, drawn in the browser. This module (and pdf-lib with it) is
// loaded only when a patient asks for the PDF, so it stays out of the app's first download.
import { PDFDocument, rgb, StandardFonts, type PDFFont, type PDFPage } from 'pdf-lib';
import { toWinAnsi, wrapText } from './pdf-text.ts';
import type { RecordSummary } from './record-summary.ts';

// A4 in PDF points, with 2 cm margins.
const PAGE_WIDTH = 595.28;
const PAGE_HEIGHT = 841.89;
const MARGIN = 56.7;
const TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN;
const BODY_SIZE = 10.5;
const LINE_HEIGHT = 14.5;
const INK = rgb(0.09, 0.13, 0.17);
const MUTED = rgb(0.29, 0.34, 0.4);
const ACCENT = rgb(0.04, 0.43, 0.43);

type Fonts = { regular: PDFFont; bold: PDFFont };

/** Draws text down the pages, starting a new page whenever the next line would not fit. */
class PageWriter {
  private page: PDFPage;
  private y: number;
  private readonly document: PDFDocument;
  private readonly fonts: Fonts;

  constructor(document: PDFDocument, fonts: Fonts) {
    this.document = document;
    this.fonts = fonts;
    this.page = document.addPage([PAGE_WIDTH, PAGE_HEIGHT]);
    this.y = PAGE_HEIGHT - MARGIN;
  }

  /** Makes room for `height` points, on a new page if this one is full. */
  private reserve(height: number): void {
    if (this.y - height < MARGIN + 20) {
      this.page = this.document.addPage([PAGE_WIDTH, PAGE_HEIGHT]);
      this.y = PAGE_HEIGHT - MARGIN;
    }
  }

  /** Writes a paragraph wrapped to the text width; a `bullet` starts its first line and every line is indented past it. */
  write(text: string, options: { size?: number; bold?: boolean; color?: typeof INK; bullet?: string; gap?: number }) {
    const size = options.size ?? BODY_SIZE;
    const font = options.bold ? this.fonts.bold : this.fonts.regular;
    const lineHeight = (LINE_HEIGHT * size) / BODY_SIZE;
    const indent = options.bullet ? 12 : 0;
    const lines = wrapText(toWinAnsi(text), TEXT_WIDTH - indent, (part) => font.widthOfTextAtSize(part, size));
    lines.forEach((line, index) => {
      this.reserve(lineHeight);
      this.y -= lineHeight;
      if (options.bullet && index === 0) {
        this.page.drawText(options.bullet, { x: MARGIN, y: this.y, size, font, color: MUTED });
      }
      this.page.drawText(line, { x: MARGIN + indent, y: this.y, size, font, color: options.color ?? INK });
    });
    this.y -= options.gap ?? 0;
  }

  /** Keeps a heading with at least two lines of its section. */
  heading(text: string): void {
    this.reserve(3 * LINE_HEIGHT + 10);
    this.y -= 8;
    this.write(text, { size: 13, bold: true, color: ACCENT, gap: 2 });
  }
}

/** Numbers every page at the foot: "Name · Page 2 of 3". */
function drawFooters(document: PDFDocument, font: PDFFont, patientName: string): void {
  const pages = document.getPages();
  pages.forEach((page, index) => {
    const text = toWinAnsi(`${patientName} · Health record summary · Page ${index + 1} of ${pages.length}`);
    page.drawText(text, { x: MARGIN, y: MARGIN - 24, size: 8.5, font, color: MUTED });
  });
}

/** The summary as a PDF document (A4, standard fonts, selectable text). */
export async function renderRecordPdf(summary: RecordSummary): Promise<Uint8Array<ArrayBuffer>> {
  const document = await PDFDocument.create();
  const fonts = {
    regular: await document.embedFont(StandardFonts.Helvetica),
    bold: await document.embedFont(StandardFonts.HelveticaBold),
  };
  document.setTitle(toWinAnsi(`Health record summary: ${summary.patientName}`));
  document.setSubject('Health record summary');
  document.setCreator('CareGraph patient portal');
  document.setCreationDate(summary.generatedAt);
  const writer = new PageWriter(document, fonts);
  writer.write('Health record summary', { size: 11, color: MUTED });
  writer.write(summary.patientName, { size: 20, bold: true, gap: 2 });
  if (summary.facts) {
    writer.write(summary.facts, { color: MUTED });
  }
  writer.write(`Printed ${summary.generatedAt.toLocaleString()} from the patient portal.`, {
    size: 9,
    color: MUTED,
    gap: 6,
  });
  for (const section of summary.sections) {
    writer.heading(section.title);
    if (section.lines.length === 0) {
      writer.write(section.empty, { color: MUTED });
    }
    for (const line of section.lines) {
      writer.write(line, { bullet: '•' });
    }
  }
  writer.heading('About this summary');
  writer.write(
    'This summary lists what your record holds; it is not medical advice. Ask your care team what a result means for you. The complete record is available as a FHIR file from the same page.',
    { color: MUTED },
  );
  drawFooters(document, fonts.regular, summary.patientName);
  // A copy on a plain ArrayBuffer, as Blob and file APIs take.
  return new Uint8Array(await document.save());
}
