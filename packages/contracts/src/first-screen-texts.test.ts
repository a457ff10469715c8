import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fillPlaceholders, platformNameFor } from './first-screen-texts.js';

test('placeholders are filled like i18next fills them; unknown ones stay visible', () => {
  assert.equal(fillPlaceholders('Dashboard {{name}}', { name: 'Flieden' }), 'Dashboard Flieden');
  assert.equal(fillPlaceholders('{{a}} und {{b}}', { a: '1' }), '1 und {{b}}');
});

test('the platform is named after its only region, otherwise the fallback', () => {
  assert.equal(platformNameFor([{ name: 'Region Südkreis' }], 'Fallback'), 'Smart Region Südkreis');
  assert.equal(platformNameFor([{ name: ' Smart Region Nord ' }], 'Fallback'), 'Smart Region Nord');
  assert.equal(platformNameFor([{ name: 'A' }, { name: 'B' }], 'Fallback'), 'Fallback');
  assert.equal(platformNameFor([], 'Fallback'), 'Fallback');
});

test('the values the web app imports at start come from modules without TypeBox', () => {
  // A module that defines TypeBox schemas keeps them (and TypeBox, 18 KB gzip) in any bundle that uses
  // one of its values; the public pages must only use schema-free modules.
  for (const file of ['first-screen-texts.ts', 'roles.ts', 'dashboard-values.ts', 'password.ts']) {
    const source = fs.readFileSync(path.join(import.meta.dirname, file), 'utf8');
    assert.doesNotMatch(source, /from 'typebox'|from '\.\/(session|tenancy|dashboard)\.js'/, file);
  }
});
