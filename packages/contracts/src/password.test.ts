import assert from 'node:assert/strict';
import { test } from 'node:test';
import { passwordProblems } from './password.js';

test('the password policy names each problem by a stable code', () => {
  assert.deepEqual(passwordProblems('Ein-gutes-langes-Passwort', 'anna@example.org'), []);
  assert.deepEqual(passwordProblems('kurz'), ['too_short', 'too_few_different']);
  assert.deepEqual(passwordProblems('x'.repeat(257)), ['too_long', 'too_few_different']);
  assert.deepEqual(passwordProblems('Mein-Name-ist-Buerger', 'buerger@example.org'), ['contains_email']);
  assert.deepEqual(passwordProblems('aaaabbbbcccc'), ['too_few_different']);
  assert.deepEqual(
    passwordProblems('Ein-gutes-langes-Passwort', 'a@example.org'),
    [],
    'very short names are not checked',
  );
});
