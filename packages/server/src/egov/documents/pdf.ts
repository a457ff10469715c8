// PDFs for cases: the receipt (Eingangsbestätigung) and documents from templates (notices, letters).
// Real text, not images, with title, language and subject set, so screen readers and search work.
// (pdf-lib writes no structure tags; a tagged PDF/UA output would need another generator.)
import zlib from 'node:zlib';
import { PDFDocument, StandardFonts, type PDFFont, type PDFPage } from 'pdf-lib';

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
/** Fill colour of the text (near-black), as PDF operands. */
const TEXT_COLOR = '0.1 0.1 0.1 rg';

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

/**
 * A page's text as PDF content-stream operators. pdf-lib's drawText builds, checks and serialises an
 * operator object per number and line (about half of a receipt's rendering, and the receipt was a third
 * of a submission's CPU); a text-only page needs a handful of operators, written here. pdf-lib still builds and
 * writes the document around them.
 */
class PageText {
  readonly #ops: string[] = [];
  readonly #fontKeys = new Map<PDFFont, string>();

  constructor(readonly page: PDFPage) {}

  /** Lines at (x, y) for the first line's baseline, each `leading` below the one before. */
  lines(font: PDFFont, size: number, x: number, y: number, leading: number, lines: string[]): void {
    let key = this.#fontKeys.get(font);
    if (!key)
      this.#fontKeys.set(font, (key = this.page.node.newFontDictionary(font.name, font.ref).toString()));
    this.#ops.push(`BT ${key} ${num(size)} Tf ${num(leading)} TL ${TEXT_COLOR} ${num(x)} ${num(y)} Td`);
    lines.forEach((line, i) => this.#ops.push(`${i > 0 ? 'T* ' : ''}${font.encodeText(line).toString()} Tj`));
    this.#ops.push('ET');
  }

  /** The operators as the page's one content stream, compressed by Node's zlib (pdf-lib's is JavaScript). */
  finish(doc: PDFDocument): void {
    if (this.#ops.length === 0) return;
    const stream = doc.context.stream(zlib.deflateSync(Buffer.from(this.#ops.join('\n'), 'latin1')), {
      Filter: 'FlateDecode',
    });
    this.page.node.addContentStream(doc.context.register(stream));
  }
}

/** A number as PDF writes it: at most two decimals, no exponent. */
const num = (n: number) => String(Math.round(n * 100) / 100);

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
  const pages: PageText[] = [];
  const newPage = () => {
    pages.push(new PageText(doc.addPage([PAGE.width, PAGE.height])));
    return PAGE.height - PAGE.margin;
  };
  let y = newPage();

  const draw = (text: string, font: PDFFont, size: number, gap = 4) => {
    const lines = wrap(font, size, printable(font, text), width);
    while (lines.length > 0) {
      if (y < PAGE.margin + size) y = newPage();
      const fit = Math.min(lines.length, 1 + Math.floor((y - PAGE.margin - size) / (size + gap)));
      pages.at(-1)!.lines(font, size, PAGE.margin, y - size, size + gap, lines.splice(0, fit));
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
  for (const page of pages) page.finish(doc);
  // Without object streams pdf-lib skips deflating the object table in JavaScript (pako); a receipt
  // has a dozen objects, so the file grows by a few hundred bytes only.
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}
