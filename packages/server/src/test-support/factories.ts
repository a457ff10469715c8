// Factories give every test its own region, municipality and people, so tests run in parallel on one
// database without cleaning up after each other.
import { randomUUID } from 'node:crypto';
import type { Role } from '@srp/contracts';
import type { Database } from '../core/db/database.js';
import type { Municipality, Region, User } from '../core/db/schema.js';
import { hashPassword } from '../core/auth/passwords.js';

export const uniqueSlug = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

export interface TestTenant {
  region: Region;
  municipality: Municipality;
}

export async function createTestRegion(db: Database): Promise<Region> {
  return db
    .insertInto('regions')
    .values({ slug: uniqueSlug('region'), name: 'Testregion' })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function createTestMunicipality(
  db: Database,
  region: Region,
  values: Partial<Pick<Municipality, 'name' | 'ags'>> = {},
): Promise<Municipality> {
  const slug = uniqueSlug('gemeinde');
  return db
    .insertInto('municipalities')
    .values({ region_id: region.id, slug, name: values.name ?? `Gemeinde ${slug}`, ags: values.ags ?? null })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** A fresh region with one municipality: the tenant of one test. */
export async function createTestTenant(db: Database): Promise<TestTenant> {
  const region = await createTestRegion(db);
  return { region, municipality: await createTestMunicipality(db, region) };
}

export const TEST_PASSWORD = 'Richtig-Langes-Testpasswort-1';
let testPasswordHash: Promise<string> | undefined;

export interface TestUserOptions {
  home?: Municipality | null;
  /** Roles in the home municipality (platform_admin is always platform-wide). */
  roles?: Role[];
  email?: string;
  password?: string | null;
}

export async function createTestUser(db: Database, options: TestUserOptions = {}): Promise<User> {
  const password = options.password === undefined ? TEST_PASSWORD : options.password;
  const passwordHash =
    password === null
      ? null
      : password === TEST_PASSWORD
        ? await (testPasswordHash ??= hashPassword(TEST_PASSWORD))
        : await hashPassword(password);
  const user = await db
    .insertInto('users')
    .values({
      email: options.email ?? `${randomUUID().slice(0, 12)}@test.example`,
      display_name: 'Test Person',
      home_municipality_id: options.home?.id ?? null,
      password_hash: passwordHash,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  for (const role of options.roles ?? []) {
    await grantTestRole(db, user, role, role === 'platform_admin' ? null : (options.home ?? null));
  }
  return user;
}

export async function grantTestRole(
  db: Database,
  user: User,
  role: Role,
  municipality: Municipality | null,
): Promise<void> {
  if (role !== 'platform_admin' && !municipality) throw new Error(`${role} needs a municipality`);
  await db
    .insertInto('role_grants')
    .values({ user_id: user.id, role, municipality_id: role === 'platform_admin' ? null : municipality!.id })
    .execute();
}
