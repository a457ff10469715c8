import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NominatimGeocoder, normalizePlace, splitAddress } from './geocoding.js';

test('place names are compared without case, umlauts, ß and the "Str." abbreviation', () => {
  assert.equal(normalizePlace('Bahnhofstraße'), 'bahnhofstrasse');
  assert.equal(normalizePlace('Schul-Str. '), 'schul strasse');
  assert.equal(normalizePlace('Mühlweg'), 'muehlweg');
});

test('an address splits into street and house number', () => {
  assert.deepEqual(splitAddress('Marktplatz 3, Flieden'), { street: 'Marktplatz', houseNumber: '3' });
  assert.deepEqual(splitAddress('Am Sportplatz 12 a'), { street: 'Am Sportplatz', houseNumber: '12a' });
  assert.deepEqual(splitAddress('Rathaus'), { street: 'Rathaus', houseNumber: null });
});

test('the Nominatim provider asks /search with the town and maps the answer; failures answer nothing', async () => {
  const asked: URL[] = [];
  const fake = (async (url: URL) => {
    asked.push(url);
    return Response.json([
      { display_name: 'Marktplatz 3, 36103 Flieden', lat: '50.4236', lon: '9.5667' },
      { display_name: 'kaputt', lat: 'x', lon: '9' },
    ]);
  }) as unknown as typeof fetch;
  const geocoder = new NominatimGeocoder('https://geo.example/nominatim', 'srp-test', fake);
  const area = { municipalities: [{ id: 'm1', name: 'Flieden' }] };
  const results = await geocoder.search('Marktplatz 3', area, 5);
  assert.equal(asked[0]!.origin + asked[0]!.pathname, 'https://geo.example/nominatim/search');
  assert.equal(asked[0]!.searchParams.get('q'), 'Marktplatz 3, Flieden');
  assert.equal(asked[0]!.searchParams.get('format'), 'jsonv2');
  assert.deepEqual(results, [
    {
      label: 'Marktplatz 3, 36103 Flieden',
      latitude: 50.4236,
      longitude: 9.5667,
      municipalityId: null,
      source: 'nominatim',
    },
  ]);
  const down = new NominatimGeocoder('https://geo.example', 'srp-test', async () => {
    throw new Error('offline');
  });
  assert.deepEqual(await down.search('Marktplatz', area, 5), []);
});
