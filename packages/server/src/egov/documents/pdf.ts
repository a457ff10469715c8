// PDFs for cases: the receipt (Eingangsbestätigung) and documents from templates (notices, letters).
// Real text, not images, with title, language and subject set, so screen readers and search work.
// (pdf-lib writes no structure tags; a tagged PDF/UA output would need another generator.)
import { PDFDocument, StandardFonts, rgb, type PDFFont } from 'pdf-lib';

export interface PdfContent {
  title: string;
  subject: string;
  /** Sender block: municipality and office. */
  sender: string[];
  /** Paragraphs; a line of the form "Label: value" is set as a table row. */
  paragraphs: string[];
  footer?: string;
}

const PAGE = { width: 595.28, height: 841.89, margin: 56 };
const TEXT_COLOR = rgb(0.1, 0.1, 0.1);

// The standard fonts' character sets never change; building the set per line cost more than drawing it.
const characterSets = new Map<string, Set<number>>();

function printable(font: PDFFont, text: string): string {
  let supported = characterSets.get(font.name);
  if (!supported) characterSets.set(font.name, (supported = new Set(font.getCharacterSet())));
  return [...text].map((c) => (supported.has(c.codePointAt(0)!) ? c : '?')).join('');
}

function wrap(font: PDFFont, size: number, text: string, width: number): string[] {
  const lines: string[] = [];
  const space = font.widthOfTextAtSize(' ', size);
  for (const paragraph of text.split('\n')) {
    // Each word is measured once (measuring the growing line per word was quadratic in its length).
    let line = '';
    let used = 0;
    for (const word of paragraph.split(/\s+/)) {
      const wordWidth = font.widthOfTextAtSize(word, size);
      if (!line) {
        line = word;
        used = wordWidth;
      } else if (used + space + wordWidth <= width) {
        line = `${line} ${word}`;
        used += space + wordWidth;
      } else {
        lines.push(line);
        line = word;
        used = wordWidth;
      }
    }
    lines.push(line);
  }
  return lines;
}

export async function renderPdf(content: PdfContent, language = 'de-DE'): Promise<Buffer> {
  const doc = await PDFDocument.create();
  doc.setTitle(content.title, { showInWindowTitleBar: true });
  doc.setSubject(content.subject);
  doc.setLanguage(language);
  doc.setProducer('Smart Region Platform');
  doc.setCreator('Smart Region Platform');
  const regular = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const width = PAGE.width - 2 * PAGE.margin;
  let page = doc.addPage([PAGE.width, PAGE.height]);
  let y = PAGE.height - PAGE.margin;

  // The lines of one block that fit on the page go in one drawText (pdf-lib's per-call work, e.g. a font
  // resource entry per call, cost more than the text itself); they sit where line by line put them.
  const draw = (text: string, font: PDFFont, size: number, gap = 4) => {
    const lines = wrap(font, size, printable(font, text), width);
    while (lines.length > 0) {
      if (y < PAGE.margin + size) {
        page = doc.addPage([PAGE.width, PAGE.height]);
        y = PAGE.height - PAGE.margin;
      }
      const fit = Math.min(lines.length, 1 + Math.floor((y - PAGE.margin - size) / (size + gap)));
      page.drawText(lines.splice(0, fit).join('\n'), {
        x: PAGE.margin,
        y: y - size,
        size,
        font,
        lineHeight: size + gap,
        color: TEXT_COLOR,
      });
      y -= fit * (size + gap);
    }
  };

  for (const line of content.sender) draw(line, regular, 9, 2);
  y -= 24;
  draw(content.title, bold, 18, 12);
  for (const paragraph of content.paragraphs) {
    const row = /^([^:\n]{1,40}):\s(.+)$/s.exec(paragraph);
    if (row) {
      draw(`${row[1]}:`, bold, 11, 1);
      draw(row[2]!, regular, 11, 8);
    } else {
      draw(paragraph, regular, 11, 10);
    }
  }
  if (content.footer) {
    y -= 16;
    draw(content.footer, regular, 8, 2);
  }
  // Without object streams pdf-lib skips deflating the object table in JavaScript (pako); a receipt
  // has a dozen objects, so the file grows by a few hundred bytes only.
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}
