import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isAppError } from '../errors.js';
import { validateKey, validatePrefix } from './keys.js';

const code = (fn: () => unknown) => {
  try {
    fn();
    return 'ok';
  } catch (error) {
    return isAppError(error) ? error.code : 'other';
  }
};

test('valid keys follow the namespace convention', () => {
  for (const key of ['m/6f1c/cloud/blobs/9a/9a3e', 'p/egov/forms/a.pdf', 'x', 'a-b_c.d=e']) {
    assert.equal(validateKey(key), key);
  }
});

test('invalid keys are rejected with file_key_invalid', () => {
  for (const key of [
    '',
    '/a',
    'a/',
    'a//b',
    '.',
    '..',
    'a/../b',
    'a/./b',
    'a\0',
    'ä',
    'a b',
    'a?b',
    'x'.repeat(513),
  ]) {
    assert.equal(
      code(() => validateKey(key)),
      'file_key_invalid',
      JSON.stringify(key),
    );
  }
});

test('prefixes may be empty or end anywhere, but not escape', () => {
  for (const prefix of ['', 'm/', 'm/1/clo', 'm/1/cloud/']) assert.equal(validatePrefix(prefix), prefix);
  for (const prefix of ['/m', 'm//', '../', 'm/..', 'm/ä']) {
    assert.equal(
      code(() => validatePrefix(prefix)),
      'file_key_invalid',
      prefix,
    );
  }
});
