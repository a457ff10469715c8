import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeFee, formatEuro, type FeeRule } from './fees.js';

const certificate: FeeRule[] = [
  { id: 'erste', label: 'Erste Urkunde', amountCents: 1200 },
  { id: 'weitere', label: 'Jede weitere', amountCents: 600, perUnit: { field: 'urkunde.anzahl', minus: 1 } },
];

test('a fixed fee plus a fee per further unit', () => {
  assert.equal(computeFee(certificate, { urkunde: { anzahl: 1 } }).totalCents, 1200);
  const three = computeFee(certificate, { urkunde: { anzahl: 3 } });
  assert.equal(three.totalCents, 2400);
  assert.deepEqual(
    three.lines.map((l) => [l.ruleId, l.units, l.amountCents]),
    [
      ['erste', 1, 1200],
      ['weitere', 2, 1200],
    ],
  );
});

test("a municipality's override replaces the amount of one rule, not its condition", () => {
  const quote = computeFee(certificate, { urkunde: { anzahl: 3 } }, { weitere: 500 });
  assert.equal(quote.totalCents, 1200 + 2 * 500);
});

test('conditional rules apply on equal values, on lists of values and on filled fields', () => {
  const rules: FeeRule[] = [
    { id: 'basis', label: 'Basis', amountCents: 500 },
    { id: 'erweitert', label: 'Erweitert', amountCents: 300, when: { field: 'art', equals: 'erweitert' } },
    { id: 'eilig', label: 'Eilig', amountCents: 1000, when: { field: 'eilig' } },
    {
      id: 'gewerbe',
      label: 'Gewerbe',
      amountCents: 700,
      when: { field: 'zweck', oneOf: ['stand', 'gewerbe'] },
    },
  ];
  assert.equal(computeFee(rules, { art: 'einfach' }).totalCents, 500);
  assert.equal(computeFee(rules, { art: 'erweitert' }).totalCents, 800);
  assert.equal(computeFee(rules, { art: 'einfach', eilig: true }).totalCents, 1500);
  assert.equal(computeFee(rules, { eilig: false, zweck: 'stand' }).totalCents, 1200);
});

test('per-unit rules count list entries and ignore junk', () => {
  const rules: FeeRule[] = [{ id: 'hund', label: 'Je Hund', amountCents: 100, perUnit: { field: 'hunde' } }];
  assert.equal(computeFee(rules, { hunde: [{}, {}, {}] }).totalCents, 300);
  assert.equal(computeFee(rules, { hunde: 'viele' }).totalCents, 0);
  assert.equal(computeFee(rules, { hunde: -4 }).totalCents, 0);
  assert.equal(computeFee(rules, {}).lines.length, 0);
});

test('amounts are shown in euro', () => {
  assert.equal(formatEuro(1250).replace(/\s/g, ' '), '12,50 €');
  assert.equal(formatEuro(1250, 'en'), '€12.50');
});
