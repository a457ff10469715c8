import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkFeeRules, computeFee, formatEuro, type FeeRule } from './fees.js';

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

test('an exemption waives a rule when a form value says so, even if its condition holds', () => {
  const rules: FeeRule[] = [
    {
      id: 'hundesteuer',
      label: 'Je Hund',
      amountCents: 9000,
      perUnit: { field: 'hunde' },
      unless: { field: 'befreiung', oneOf: ['blindenhund', 'rettungshund'] },
    },
    {
      id: 'marke',
      label: 'Hundemarke',
      amountCents: 500,
      when: { field: 'marke' },
      unless: { field: 'sozial' },
    },
  ];
  assert.equal(computeFee(rules, { hunde: [{}, {}] }).totalCents, 18000);
  assert.equal(computeFee(rules, { hunde: [{}, {}], befreiung: 'blindenhund' }).totalCents, 0);
  assert.equal(computeFee(rules, { hunde: [{}], marke: true }).totalCents, 9500);
  assert.equal(computeFee(rules, { hunde: [{}], marke: true, sozial: true }).totalCents, 9000);
  assert.equal(
    computeFee(rules, { marke: true, sozial: false }).totalCents,
    500,
    'an unticked box exempts nothing',
  );
});

test('fee rules are checked with German messages per rule and input', () => {
  const fields = ['urkunde.anzahl', 'urkunde.art', 'hunde[].name', 'sozial'];
  assert.deepEqual(checkFeeRules(certificate, ['urkunde.anzahl']), []);
  assert.deepEqual(
    checkFeeRules(
      [
        { id: 'erste', label: 'Erste', amountCents: 1200, perUnit: { field: 'hunde' } },
        {
          id: 'ok',
          label: 'Befreit',
          amountCents: 0,
          unless: { field: 'sozial' },
          when: { field: 'urkunde.art', oneOf: ['geburt'] },
        },
      ],
      fields,
    ),
    [],
    'a list of the form counts as a field',
  );
  const problems = checkFeeRules(
    [
      { id: 'Erste Urkunde', label: '', amountCents: 12.5 },
      { id: 'weitere', label: 'Weitere', amountCents: 600, perUnit: { field: 'urkunde.anzahlx', minus: -1 } },
      {
        id: 'weitere',
        label: 'Doppelt',
        amountCents: 100,
        when: { field: 'urkunde.art', equals: 'a', oneOf: ['b'] },
      },
      { id: 'frei', label: 'Frei', amountCents: 0, unless: { field: 'sozial', matches: 'x' }, extra: 1 },
      'kein Objekt',
    ],
    fields,
  );
  const at = (path: string) => problems.filter((p) => p.path === path).map((p) => p.message);
  assert.match(at('feeRules[0].id')[0]!, /Kleinbuchstaben/);
  assert.match(at('feeRules[0].label')[0]!, /Bezeichnung/);
  assert.match(at('feeRules[0].amountCents')[0]!, /ganze Cent/);
  assert.match(at('feeRules[1].perUnit.field')[0]!, /„urkunde\.anzahlx“ gibt es im Formular nicht/);
  assert.match(at('feeRules[1].perUnit.minus')[0]!, /0 bis 1000/);
  assert.match(at('feeRules[2].id')[0]!, /mehrfach/);
  assert.match(at('feeRules[2].when')[0]!, /nicht beides/);
  assert.match(at('feeRules[3].unless')[0]!, /^Befreiung:/);
  assert.match(at('feeRules[3].extra')[0]!, /unbekannt/);
  assert.deepEqual(at('feeRules[4]'), ['Die Regel ist kein Objekt.']);
  assert.deepEqual(checkFeeRules({}), [
    { path: 'feeRules', message: 'Die Gebührenregeln müssen eine Liste sein.' },
  ]);
});
