import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  draftOf,
  duplicateIds,
  formFields,
  newDraft,
  parseEuro,
  ruleOf,
  type FeeRule,
} from './feeRuleForm.js';

const schema = {
  components: [
    {
      type: 'group',
      path: 'urkunde',
      label: 'Urkunde',
      components: [
        { type: 'number', key: 'anzahl', label: 'Anzahl' },
        { type: 'select', key: 'art', label: 'Art' },
      ],
    },
    { type: 'checkbox', key: 'sozial', label: 'Sozialleistungen' },
    { type: 'dynamiclist', path: 'hunde', label: 'Hunde', components: [{ type: 'textfield', key: 'name' }] },
    { type: 'text', text: 'Hinweis' },
  ],
};
const fields = formFields(schema);

test('the form fields a rule can name, with their kind of value', () => {
  assert.deepEqual(fields, [
    { key: 'urkunde.anzahl', label: 'Urkunde › Anzahl', type: 'number' },
    { key: 'urkunde.art', label: 'Urkunde › Art', type: 'text' },
    { key: 'sozial', label: 'Sozialleistungen', type: 'boolean' },
    { key: 'hunde', label: 'Hunde', type: 'list' },
  ]);
});

test('euro amounts as people type them', () => {
  assert.equal(parseEuro('12'), 1200);
  assert.equal(parseEuro('12,5'), 1250);
  assert.equal(parseEuro(' 12,50 € '), 1250);
  assert.equal(parseEuro('12.50'), 1250);
  assert.equal(parseEuro('1.234,56'), 123456);
  assert.equal(parseEuro('0'), 0);
  for (const bad of ['', 'zwölf', '-3', '12,345', '100000,01']) assert.equal(parseEuro(bad), null, bad);
});

test('every rule shape survives the round trip through the form', () => {
  const rules: FeeRule[] = [
    { id: 'erste', label: 'Erste Urkunde', amountCents: 1200 },
    {
      id: 'weitere',
      label: 'Jede weitere',
      amountCents: 600,
      perUnit: { field: 'urkunde.anzahl', minus: 1 },
    },
    {
      id: 'hund',
      label: 'Je Hund',
      amountCents: 9000,
      perUnit: { field: 'hunde' },
      unless: { field: 'sozial' },
    },
    { id: 'eilig', label: 'Eilig', amountCents: 1000, when: { field: 'urkunde.anzahl', equals: 3 } },
    { id: 'art', label: 'Art', amountCents: 250, when: { field: 'urkunde.art', oneOf: ['geburt', 'ehe'] } },
    { id: 'frei', label: 'Befreit', amountCents: 0, unless: { field: 'sozial', equals: true } },
  ];
  for (const language of ['de', 'en'])
    for (const rule of rules) assert.deepEqual(ruleOf(draftOf(rule, language), fields), { rule, errors: {} });
});

test('unusable inputs are named, each with its own message key', () => {
  const draft = {
    ...newDraft([]),
    id: 'Erste',
    amount: 'zwölf',
    perUnit: true,
    freeUnits: '-1',
    when: { mode: 'equals' as const, field: 'urkunde.anzahl', value: 'drei' },
    unless: { mode: 'oneOf' as const, field: '', value: '' },
  };
  const { rule, errors } = ruleOf(draft, fields);
  assert.equal(rule, null);
  assert.deepEqual(errors, {
    id: 'idInvalid',
    label: 'labelMissing',
    amount: 'amountInvalid',
    unitField: 'fieldMissing',
    freeUnits: 'freeUnitsInvalid',
    whenValue: 'numberExpected',
    unlessField: 'fieldMissing',
  });
});

test('new rules get unused ids; a repeated id is found', () => {
  const first = newDraft([]);
  const second = newDraft([first]);
  assert.equal(first.id, 'gebuehr-1');
  assert.equal(second.id, 'gebuehr-2');
  assert.deepEqual([...duplicateIds([first, second, { ...first }])], [2]);
});

test('whatever the JSON view hands over does not break the form', () => {
  const draft = draftOf({ id: 7, when: 'x', perUnit: null } as unknown as FeeRule, 'de');
  assert.equal(draft.id, '');
  assert.equal(draft.amount, '');
  assert.equal(draft.when.mode, 'none');
  assert.equal(draft.perUnit, false);
});
