// The PDFs are read back by poppler (Debian's pdftotext/pdfinfo, what PDF viewers on Linux use): the
// text must come out as text, in reading order, with the metadata screen readers announce.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { renderPdf } from './pdf.js';

const run = promisify(execFile);

async function readBack(pdf: Buffer): Promise<{ text: string; info: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'srp-pdf-'));
  try {
    const file = path.join(dir, 'doc.pdf');
    await writeFile(file, pdf);
    const [text, info] = await Promise.all([run('pdftotext', [file, '-']), run('pdfinfo', [file])]);
    return { text: text.stdout, info: info.stdout };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('a receipt reads back as its text, with title, subject and page count', async () => {
  const pdf = await renderPdf({
    title: 'Eingangsbestätigung',
    subject: 'Personenstandsurkunde – FL-2026-0001',
    sender: ['Gemeinde Flieden', 'Standesamt (Haus 2) \\ Zimmer 3'],
    paragraphs: ['Vielen Dank. Ihr Antrag „Geburtsurkunde“ ist eingegangen.', 'Gebühr: 12,00 €'],
    footer: 'Maschinell erstellt.',
  });
  assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
  const { text, info } = await readBack(pdf);
  // Brackets and backslashes in the text are escaped, umlauts and € come through the WinAnsi encoding.
  const lines = text.split('\n').filter((l) => l.trim());
  assert.deepEqual(lines, [
    'Gemeinde Flieden',
    'Standesamt (Haus 2) \\ Zimmer 3',
    'Eingangsbestätigung',
    'Vielen Dank. Ihr Antrag „Geburtsurkunde“ ist eingegangen.',
    'Gebühr:',
    '12,00 €',
    'Maschinell erstellt.',
  ]);
  assert.match(info, /^Title:\s+Eingangsbestätigung$/m);
  assert.match(info, /^Subject:\s+Personenstandsurkunde – FL-2026-0001$/m);
  assert.match(info, /^Pages:\s+1$/m);
});

test('long text wraps and flows onto further pages, no word lost; unknown characters become ?', async () => {
  const words = Array.from({ length: 1500 }, (_, i) => `Wort${i}`).join(' ');
  const pdf = await renderPdf({
    title: 'Bescheid',
    subject: 's',
    sender: ['Gemeinde Kalbach'],
    paragraphs: [words, 'Ende 日本'],
  });
  const { text, info } = await readBack(pdf);
  const pages = Number(/^Pages:\s+(\d+)$/m.exec(info)![1]);
  assert.ok(pages >= 3, `${pages} pages`);
  // Every word once and in order, none cut at a line or page end.
  const found = text.split(/\s+/).filter((w) => /^Wort\d+$/.test(w));
  assert.deepEqual(found, words.split(' '));
  assert.match(text, /Ende \?\?/);
  // pdftotext separates pages with a form feed: each page carries its share of the text.
  assert.equal(text.split('\f').filter((p) => p.trim()).length, pages);
});
