import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PublicRegion } from '@srp/contracts';
import { inlineRegions, platformNameFor } from './regions.js';

const region = (name: string): PublicRegion => ({
  id: '00000000-0000-4000-8000-000000000001',
  slug: 'region',
  name,
  description: null,
  municipalities: [],
});

void test('the platform is named after its single region', () => {
  const name = (regions: PublicRegion[]) => platformNameFor({ status: 'ready', regions }, 'Fallback');
  assert.equal(name([region('Südkreis')]), 'Smart Region Südkreis');
  assert.equal(name([region('Region Südkreis')]), 'Smart Region Südkreis');
  assert.equal(name([region('Smart Region Südkreis')]), 'Smart Region Südkreis');
});

void test('the configured name is used while loading, on errors and for several regions', () => {
  assert.equal(platformNameFor({ status: 'loading' }, 'Fallback'), 'Fallback');
  assert.equal(platformNameFor({ status: 'error', error: new Error('x') }, 'Fallback'), 'Fallback');
  assert.equal(
    platformNameFor({ status: 'ready', regions: [region('Nord'), region('Süd')] }, 'Fallback'),
    'Fallback',
  );
});

void test('the region list the server put into the page is read, anything else is ignored', () => {
  const list = { regions: [region('Südkreis')] };
  assert.deepEqual(inlineRegions(JSON.stringify(list)), list.regions);
  assert.equal(inlineRegions(null), null);
  assert.equal(inlineRegions(''), null);
  assert.equal(inlineRegions('{"regions":'), null);
  assert.equal(inlineRegions('{"other":[]}'), null);
  assert.equal(inlineRegions('null'), null);
});
