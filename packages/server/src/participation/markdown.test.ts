import assert from 'node:assert/strict';
import { test } from 'node:test';
import { plainText, renderMarkdown, sanitize } from './markdown.js';

test('Markdown becomes HTML with headings, lists, links and images', () => {
  const html = renderMarkdown(
    '# Titel\n\n**fett** und [Link](https://flieden.de)\n\n- eins\n- zwei\n\n![Laterne](/api/public/participation/images/x)',
  );
  assert.match(html, /<h2>Titel<\/h2>/, 'a level-1 heading becomes level 2 under the page title');
  assert.match(html, /<strong>fett<\/strong>/);
  assert.match(html, /<a href="https:\/\/flieden.de">Link<\/a>/);
  assert.match(html, /<li>eins<\/li>/);
  assert.match(html, /<img src="\/api\/public\/participation\/images\/x" alt="Laterne" \/>/);
});

test('scripts, event handlers, javascript: links and styles never reach a reader', () => {
  const html = renderMarkdown(
    '<script>alert(1)</script>\n\n<img src=x onerror="alert(2)">\n\n[klick](javascript:alert(3))\n\n<p style="position:fixed">x</p><iframe src="https://evil.example"></iframe>',
  );
  assert.doesNotMatch(html, /<script|onerror|javascript:|style=|<iframe/i);
  assert.equal(
    sanitize('<a href="https://a.example" onclick="x()">a</a>'),
    '<a href="https://a.example">a</a>',
  );
});

test('plain text of HTML for summaries', () => {
  assert.equal(plainText('<p>Hallo <strong>Welt</strong></p>\n<p>zwei</p>'), 'Hallo Welt zwei');
});
