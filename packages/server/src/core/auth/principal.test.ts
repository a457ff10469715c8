import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  hasRoleIn,
  hasScope,
  isPlatformAdmin,
  municipalitiesWithRole,
  type ActiveGrant,
  type Principal,
} from './principal.js';

const grant = (role: ActiveGrant['role'], municipalityId: string | null): ActiveGrant => ({
  id: `${role}-${municipalityId}`,
  role,
  municipalityId,
  municipalitySlug: municipalityId,
  municipalityName: municipalityId,
  orgUnitId: null,
});

const person = (grants: ActiveGrant[], extra: Partial<Principal> = {}): Principal => ({
  userId: 'u',
  email: 'u@test.example',
  displayName: 'U',
  locale: 'de',
  homeMunicipalityId: 'kalbach',
  grants,
  method: 'session',
  scopes: null,
  credentialMunicipalityId: null,
  csrfToken: 't',
  ...extra,
});

test('a role counts only in the municipality it was granted for', () => {
  const p = person([grant('caseworker', 'kalbach'), grant('caseworker', 'flieden')]);
  assert.ok(hasRoleIn(p, 'kalbach', ['caseworker']));
  assert.ok(hasRoleIn(p, 'flieden', ['caseworker']), 'substitution');
  assert.ok(!hasRoleIn(p, 'neuhof', ['caseworker']));
  assert.ok(!hasRoleIn(p, 'kalbach', ['municipal_admin']));
  assert.deepEqual(municipalitiesWithRole(p, ['caseworker']), ['kalbach', 'flieden']);
});

test('platform admins have every role everywhere, unless they act through a key limited to one municipality', () => {
  const admin = person([grant('platform_admin', null)]);
  assert.ok(isPlatformAdmin(admin));
  assert.ok(hasRoleIn(admin, 'neuhof', ['municipal_admin']));
  assert.equal(municipalitiesWithRole(admin, ['caseworker']), 'all');
  const limited = {
    ...admin,
    method: 'api_key' as const,
    credentialMunicipalityId: 'flieden',
    scopes: ['api'],
  };
  assert.ok(!isPlatformAdmin(limited));
  assert.ok(hasRoleIn(limited, 'flieden', ['municipal_admin']));
  assert.ok(!hasRoleIn(limited, 'neuhof', ['municipal_admin']));
});

test('scopes restrict keys but not interactive sessions', () => {
  assert.ok(hasScope(person([]), 'sensors:write'));
  const key = person([], { method: 'api_key', scopes: ['api'] });
  assert.ok(hasScope(key, 'api'));
  assert.ok(!hasScope(key, 'sensors:write'));
});
