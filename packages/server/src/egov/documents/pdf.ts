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

/** How a standard font writes one character: its byte in the font's encoding and its width at size 1. */
interface Glyph {
  byte: number;
  width: number;
}

/**
 * Per standard font, the glyph of each character it has, made when first met. The standard fonts never
 * change, and asking pdf-lib per line (encoding, kerning, hex strings) was about half of a receipt's
 * rendering. A character the font lacks is set as '?' (and not remembered: the table stays as small as
 * the font's character set, whatever citizens type). Widths leave kerning out, as `Tj` draws them.
 */
const glyphTables = new Map<string, { glyphs: Map<number, Glyph>; characters: Set<number> }>();

function glyphOf(font: PDFFont, codePoint: number): Glyph {
  let table = glyphTables.get(font.name);
  if (!table) {
    table = { glyphs: new Map(), characters: new Set(font.getCharacterSet()) };
    glyphTables.set(font.name, table);
  }
  let glyph = table.glyphs.get(codePoint);
  if (!glyph) {
    if (!table.characters.has(codePoint)) return glyphOf(font, 0x3f);
    const char = String.fromCodePoint(codePoint);
    glyph = { byte: parseInt(font.encodeText(char).asString(), 16), width: font.widthOfTextAtSize(char, 1) };
    table.glyphs.set(codePoint, glyph);
  }
  return glyph;
}

/** The width of a text in a font at size 1. */
function widthOf(font: PDFFont, text: string): number {
  let width = 0;
  for (const c of text) width += glyphOf(font, c.codePointAt(0)!).width;
  return width;
}

/**
 * A text as a PDF literal string in the font's encoding: `(…)`, with backslash and brackets escaped and
 * bytes outside printable ASCII written in octal.
 */
function literal(font: PDFFont, text: string): string {
  let out = '(';
  for (const c of text) {
    const byte = glyphOf(font, c.codePointAt(0)!).byte;
    if (byte === 0x28 || byte === 0x29 || byte === 0x5c) out += `\\${String.fromCharCode(byte)}`;
    else if (byte >= 0x20 && byte < 0x7f) out += String.fromCharCode(byte);
    else out += `\\${byte.toString(8).padStart(3, '0')}`;
  }
  return `${out})`;
}

function wrap(font: PDFFont, size: number, text: string, width: number): string[] {
  const lines: string[] = [];
  const space = widthOf(font, ' ') * size;
  for (const paragraph of text.split('\n')) {
    // Each word is measured once (measuring the growing line per word was quadratic in its length).
    let line = '';
    let used = 0;
    for (const word of paragraph.split(/\s+/)) {
      const wordWidth = widthOf(font, word) * size;
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
 * of a submission's CPU); a text-only page needs a handful of operators, written here. pdf-lib still
 * builds and writes the document around them.
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
    lines.forEach((line, i) => this.#ops.push(`${i > 0 ? 'T* ' : ''}${literal(font, line)} Tj`));
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
    const lines = wrap(font, size, text, width);
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
