import Type, { type Static } from 'typebox';
import { ROLES } from './roles.js';

export const Uuid = Type.String({ format: 'uuid' });
export const Slug = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{1,62}$' });

export const MunicipalityRef = Type.Object({ id: Uuid, slug: Slug, name: Type.String() });

export const RoleAssignment = Type.Object({
  role: Type.Enum([...ROLES]),
  /** null for platform-wide roles (platform_admin). */
  municipality: Type.Union([MunicipalityRef, Type.Null()]),
  /** true when the grant is for another municipality than the user's home (substitution). */
  substitution: Type.Boolean(),
});
export type RoleAssignment = Static<typeof RoleAssignment>;

export const SessionUser = Type.Object({
  id: Uuid,
  email: Type.String(),
  displayName: Type.String(),
  locale: Type.Enum(['de', 'en']),
  homeMunicipality: Type.Union([MunicipalityRef, Type.Null()]),
});

export const SessionInfo = Type.Object({
  user: Type.Union([SessionUser, Type.Null()]),
  roles: Type.Array(RoleAssignment),
  /** Send as header x-csrf-token with every cookie-authenticated POST/PUT/PATCH/DELETE. */
  csrfToken: Type.Union([Type.String(), Type.Null()]),
});
export type SessionInfo = Static<typeof SessionInfo>;

export const LoginRequest = Type.Object(
  {
    email: Type.String({ minLength: 3, maxLength: 320 }),
    password: Type.String({ minLength: 1, maxLength: 256 }),
  },
  { additionalProperties: false },
);
export type LoginRequest = Static<typeof LoginRequest>;

export const AuthProviders = Type.Object({
  local: Type.Boolean(),
  oidc: Type.Union([Type.Object({ label: Type.String(), startUrl: Type.String() }), Type.Null()]),
  saml: Type.Optional(
    Type.Union([Type.Object({ label: Type.String(), startUrl: Type.String() }), Type.Null()]),
  ),
});
export type AuthProviders = Static<typeof AuthProviders>;
