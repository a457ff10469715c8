import assert from 'node:assert/strict';
import { test } from 'node:test';
import { conditionScope, fieldKeys, validateSubmission, type FormSchema } from './form-validation.js';
import { shippedServices } from '../shipped-services.js';

const schema: FormSchema = {
  components: [
    { type: 'text', id: 't' },
    {
      type: 'group',
      path: 'person',
      components: [
        { type: 'textfield', key: 'name', validate: { required: true, maxLength: 20 } },
        { type: 'textfield', key: 'plz', validate: { pattern: '[0-9]{5}' } },
        { type: 'textfield', key: 'email', validate: { validationType: 'email' } },
      ],
    },
    { type: 'number', key: 'anzahl', validate: { required: true, min: 1, max: 10 } },
    {
      type: 'radio',
      key: 'art',
      values: [
        { label: 'Geburt', value: 'geburt' },
        { label: 'Ehe', value: 'ehe' },
      ],
      validate: { required: true },
    },
    {
      type: 'textfield',
      key: 'partner',
      conditional: { hide: '=art != "ehe"' },
      validate: { required: true },
    },
    {
      type: 'dynamiclist',
      path: 'kinder',
      isRepeating: true,
      components: [{ type: 'textfield', key: 'vorname', validate: { required: true } }],
    },
    { type: 'filepicker', key: 'ausweis', validate: { required: true } },
    { type: 'checkbox', key: 'richtig', validate: { required: true } },
  ],
};

const fileId = '11111111-2222-4333-8444-555555555555';
const valid = {
  person: { name: 'Erika Muster', plz: '36103', email: 'erika@example.org' },
  anzahl: 2,
  art: 'geburt',
  kinder: [{ vorname: 'Max' }],
  ausweis: fileId,
  richtig: true,
};
const known = { isKnownFile: (id: string) => id === fileId };

test('a complete submission passes and keeps only what the schema asks for', () => {
  const result = validateSubmission(
    schema,
    { ...valid, extra: 'smuggled', person: { ...valid.person, admin: true } },
    known,
  );
  assert.deepEqual(result.errors, {});
  assert.equal(result.valid, true);
  assert.equal('extra' in result.data, false);
  assert.deepEqual(result.data.person, valid.person);
  assert.deepEqual(result.fileRefs, [{ field: 'ausweis', fileId }]);
});

test('required, pattern, e-mail, min/max and options are checked on the server', () => {
  const result = validateSubmission(
    schema,
    {
      person: { name: '', plz: '3610', email: 'kein-at' },
      anzahl: 11,
      art: 'scheidung',
      kinder: [{}],
      ausweis: fileId,
      richtig: false,
    },
    known,
  );
  assert.equal(result.valid, false);
  assert.deepEqual(result.errors['person.name'], ['required']);
  assert.deepEqual(result.errors['person.plz'], ['does not match the expected format']);
  assert.deepEqual(result.errors['person.email'], ['must be an e-mail address']);
  assert.deepEqual(result.errors.anzahl, ['at most 10']);
  assert.deepEqual(result.errors.art, ['invalid choice']);
  assert.deepEqual(result.errors['kinder[0].vorname'], ['required']);
  assert.deepEqual(result.errors.richtig, ['required']);
});

test('conditional fields count only when shown (FEEL, as in the browser)', () => {
  assert.equal(validateSubmission(schema, { ...valid, partner: 'ignored' }, known).data.partner, undefined);
  const married = validateSubmission(schema, { ...valid, art: 'ehe' }, known);
  assert.deepEqual(married.errors.partner, ['required']);
  assert.equal(validateSubmission(schema, { ...valid, art: 'ehe', partner: 'Max' }, known).valid, true);
});

test('a condition remembered for one value does not answer for another', () => {
  // The outcome of a condition is kept per expression and the values it names; alternate them.
  for (const round of [1, 2, 3]) {
    const married = validateSubmission(schema, { ...valid, art: 'ehe' }, known);
    assert.deepEqual(married.errors.partner, ['required'], `round ${round}`);
    const single = validateSubmission(schema, { ...valid, partner: 'Max' }, known);
    assert.equal(single.valid, true, `round ${round}`);
    assert.equal(single.data.partner, undefined, `round ${round}`);
  }
});

test('a condition sees only the paths it names, so the other answers do not change its memo', () => {
  const data = {
    urkunde: { art: 'ehe', ausweis: fileId, anzahl: 2, eltern: { mutter: 'Eva' } },
    art: 'geburt',
    liste: [1, 2],
    text: 'urkunde',
  };
  assert.deepEqual(conditionScope('urkunde.art != "ehe"', data), { urkunde: { art: 'ehe' } });
  assert.deepEqual(conditionScope('urkunde . art = "ehe" and urkunde.eltern.mutter = "Eva"', data), {
    urkunde: { art: 'ehe', eltern: { mutter: 'Eva' } },
  });
  // A longer path and its prefix: the prefix's whole value, and the submitted data stays as it was.
  const before = structuredClone(data);
  assert.deepEqual(conditionScope('urkunde.eltern.mutter = "Eva" or urkunde.eltern = null', data), {
    urkunde: { eltern: { mutter: 'Eva' } },
  });
  assert.deepEqual(data, before);
  // Named as a whole, passed to a function, or a path into a value that is not an object: the whole value.
  assert.deepEqual(conditionScope('urkunde = null', data), { urkunde: data.urkunde });
  // (the "art" in quotes brings the top-level `art` too: text is not parsed here, more is harmless)
  assert.deepEqual(conditionScope('get value(urkunde, "art") = "ehe"', data), {
    urkunde: data.urkunde,
    art: 'geburt',
  });
  assert.deepEqual(conditionScope('count(liste) > 1 and liste.x = null', data), { liste: [1, 2] });
  assert.deepEqual(conditionScope('urkunde.art.laenge = 1', data), { urkunde: { art: 'ehe' } });
  // `art` inside `urkunde.art` is not the top-level `art`.
  assert.equal('art' in conditionScope('urkunde.art = "ehe"', data), false);
  assert.deepEqual(conditionScope('art = "geburt"', data), { art: 'geburt' });
  // Evaluated on the narrowed scope, the outcome stays that of the whole data.
  const grouped: FormSchema = {
    components: [
      {
        type: 'group',
        path: 'urkunde',
        components: [
          { type: 'textfield', key: 'art' },
          { type: 'textfield', key: 'ausweis' },
          {
            type: 'textfield',
            key: 'partner',
            conditional: { hide: '=urkunde.art != "ehe"' },
            validate: { required: true },
          },
        ],
      },
    ],
  };
  for (const ausweis of ['a', 'b', 'c']) {
    const married = validateSubmission(grouped, { urkunde: { art: 'ehe', ausweis } }, known);
    assert.deepEqual(married.errors['urkunde.partner'], ['required']);
    const single = validateSubmission(grouped, { urkunde: { art: 'geburt', ausweis, partner: 'x' } }, known);
    assert.equal(single.valid, true);
    assert.equal((single.data.urkunde as Record<string, unknown>).partner, undefined);
  }
});

test('files must be attachments of the case; wrong types are rejected', () => {
  assert.deepEqual(
    validateSubmission(schema, { ...valid, ausweis: 'aaaaaaaa-2222-4333-8444-555555555555' }, known).errors
      .ausweis,
    ['unknown file'],
  );
  assert.deepEqual(validateSubmission(schema, { ...valid, anzahl: 'zwei' }, known).errors.anzahl, [
    'must be a number',
  ]);
  assert.deepEqual(validateSubmission(schema, { ...valid, kinder: 'x' }, known).errors.kinder, [
    'must be a list',
  ]);
});

test('drafts may be incomplete but not malformed', () => {
  const draft = validateSubmission(schema, { anzahl: 3, person: { plz: 'abc' } }, { partial: true });
  assert.equal(draft.errors.anzahl, undefined);
  assert.equal(draft.errors['person.name'], undefined);
  assert.deepEqual(draft.errors['person.plz'], ['does not match the expected format']);
  assert.equal(draft.data.anzahl, 3);
});

test('the shipped forms are valid form-js schemas with FIM-annotated applicant fields', () => {
  for (const service of shippedServices()) {
    const keys = fieldKeys(service.formSchema);
    assert.ok(keys.includes('antragsteller.familienname'), service.slug);
    assert.ok(keys.includes('antragsteller.email'), service.slug);
    const empty = validateSubmission(service.formSchema, {});
    assert.equal(empty.valid, false, `${service.slug} requires fields`);
  }
});
