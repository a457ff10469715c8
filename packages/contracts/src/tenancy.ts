import Type, { type Static } from 'typebox';
import { Slug, Uuid } from './session.js';

const Url = Type.String({ maxLength: 2000, pattern: '^(https?://|/)' });
const Nullable = <T extends Type.TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const PublicMunicipality = Type.Object({
  id: Uuid,
  slug: Slug,
  name: Type.String(),
  ags: Nullable(Type.String()),
  coatOfArmsUrl: Nullable(Type.String()),
  websiteUrl: Nullable(Type.String()),
  contactEmail: Nullable(Type.String()),
  contactPhone: Nullable(Type.String()),
  address: Nullable(Type.String()),
  privacyUrl: Nullable(Type.String()),
  imprintUrl: Nullable(Type.String()),
  accessibilityUrl: Nullable(Type.String()),
});
export type PublicMunicipality = Static<typeof PublicMunicipality>;

export const PublicRegion = Type.Object({
  id: Uuid,
  slug: Slug,
  name: Type.String(),
  description: Nullable(Type.String()),
  municipalities: Type.Array(PublicMunicipality),
});
export type PublicRegion = Static<typeof PublicRegion>;

export const PublicRegionList = Type.Object({ regions: Type.Array(PublicRegion) });
export type PublicRegionList = Static<typeof PublicRegionList>;

export const MunicipalityPatch = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 2, maxLength: 200 })),
    ags: Type.Optional(Nullable(Type.String({ pattern: '^[0-9]{8}$' }))),
    ars: Type.Optional(Nullable(Type.String({ pattern: '^[0-9]{12}$' }))),
    coatOfArmsUrl: Type.Optional(Nullable(Url)),
    websiteUrl: Type.Optional(Nullable(Url)),
    contactEmail: Type.Optional(Nullable(Type.String({ format: 'email', maxLength: 320 }))),
    contactPhone: Type.Optional(Nullable(Type.String({ maxLength: 50 }))),
    address: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
    privacyUrl: Type.Optional(Nullable(Url)),
    imprintUrl: Type.Optional(Nullable(Url)),
    accessibilityUrl: Type.Optional(Nullable(Url)),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type MunicipalityPatch = Static<typeof MunicipalityPatch>;
