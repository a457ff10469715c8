import assert from 'node:assert/strict';
import { test } from 'node:test';
import { messageParts } from './MessageText.js';

test('web addresses in a message become links, sentence punctuation after them stays text', () => {
  assert.deepEqual(messageParts('Bitte bezahlen Sie online: https://portal.example/bezahlen/AbC_1-2'), [
    { text: 'Bitte bezahlen Sie online: ' },
    { link: 'https://portal.example/bezahlen/AbC_1-2' },
  ]);
  assert.deepEqual(messageParts('Siehe http://a.example/x?y=1&z=2. Danke'), [
    { text: 'Siehe ' },
    { link: 'http://a.example/x?y=1&z=2' },
    { text: '.' },
    { text: ' Danke' },
  ]);
});

test('anything but http(s) stays text', () => {
  for (const message of ['javascript:alert(1)', 'ftp://x.example/a', 'mailto:a@b.example', 'Keine Adresse'])
    assert.deepEqual(messageParts(message), [{ text: message }]);
  assert.deepEqual(messageParts(''), []);
});
