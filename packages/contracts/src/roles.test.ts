import assert from 'node:assert/strict';
import { test } from 'node:test';
import { navigationFor } from './roles.js';

test('each role sees the areas meant for it', () => {
  assert.deepEqual(navigationFor([]), ['dashboard', 'services']);
  assert.deepEqual(navigationFor(['citizen']), ['dashboard', 'services']);
  assert.deepEqual(navigationFor(['caseworker']), ['dashboard', 'services', 'backoffice']);
  assert.deepEqual(navigationFor(['building_yard']), ['dashboard', 'services', 'backoffice']);
  assert.deepEqual(navigationFor(['process_designer']), ['dashboard', 'services', 'backoffice']);
  assert.deepEqual(navigationFor(['club_member']), ['dashboard', 'services', 'clubcloud']);
  assert.deepEqual(navigationFor(['club_admin']), ['dashboard', 'services', 'clubcloud']);
  assert.deepEqual(navigationFor(['municipal_admin']), ['dashboard', 'services', 'backoffice', 'clubcloud']);
  assert.deepEqual(navigationFor(['platform_admin']), ['dashboard', 'services', 'backoffice', 'clubcloud']);
  assert.deepEqual(navigationFor(['caseworker', 'club_member']), [
    'dashboard',
    'services',
    'backoffice',
    'clubcloud',
  ]);
});
