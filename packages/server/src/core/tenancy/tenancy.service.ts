import type { MunicipalityPatch, PublicMunicipality, PublicRegion } from '@srp/contracts';
import { STAFF_ROLES } from '@srp/contracts';
import type { Database } from '../db/database.js';
import type { Municipality, MunicipalityUpdate, OrgUnit, OrgUnitKind } from '../db/schema.js';
import { Errors } from '../errors.js';
import type { AuditActor, AuditService } from '../audit/audit.service.js';
import { municipalitiesWithRole, type Principal } from '../auth/principal.js';
import { TenancyRepository } from './tenancy.repository.js';

export function presentMunicipality(m: Municipality): PublicMunicipality {
  return {
    id: m.id,
    slug: m.slug,
    name: m.name,
    ags: m.ags,
    coatOfArmsUrl: m.coat_of_arms_url,
    websiteUrl: m.website_url,
    contactEmail: m.contact_email,
    contactPhone: m.contact_phone,
    address: m.address,
    privacyUrl: m.privacy_url,
    imprintUrl: m.imprint_url,
    accessibilityUrl: m.accessibility_url,
  };
}

const PATCH_COLUMNS: Record<keyof MunicipalityPatch, keyof MunicipalityUpdate> = {
  name: 'name',
  ags: 'ags',
  ars: 'ars',
  coatOfArmsUrl: 'coat_of_arms_url',
  websiteUrl: 'website_url',
  contactEmail: 'contact_email',
  contactPhone: 'contact_phone',
  address: 'address',
  privacyUrl: 'privacy_url',
  imprintUrl: 'imprint_url',
  accessibilityUrl: 'accessibility_url',
};

export class TenancyService {
  constructor(
    private readonly db: Database,
    private readonly repository: TenancyRepository,
    private readonly audit: AuditService,
  ) {}

  async publicRegions(): Promise<PublicRegion[]> {
    const [regions, municipalities] = await Promise.all([
      this.repository.listRegions(),
      this.repository.listMunicipalities(),
    ]);
    return regions.map((r) => ({
      id: r.id,
      slug: r.slug,
      name: r.name,
      description: r.description,
      municipalities: municipalities.filter((m) => m.region_id === r.id).map(presentMunicipality),
    }));
  }

  async municipalityBySlug(slug: string): Promise<Municipality> {
    const municipality = await this.repository.findMunicipalityBySlug(slug);
    if (!municipality) throw Errors.notFound('Municipality');
    return municipality;
  }

  async municipality(id: string): Promise<Municipality> {
    const municipality = await this.repository.findMunicipality(id);
    if (!municipality) throw Errors.notFound('Municipality');
    return municipality;
  }

  /** The municipalities in which the principal works (all of them for platform admins). */
  async municipalitiesOf(principal: Principal): Promise<Municipality[]> {
    const ids = municipalitiesWithRole(principal, STAFF_ROLES);
    return ids === 'all' ? this.repository.listMunicipalities() : this.repository.listMunicipalitiesById(ids);
  }

  async createMunicipality(
    values: { regionId: string; slug: string; name: string; ags?: string | null },
    actor: AuditActor,
  ): Promise<Municipality> {
    return this.db.transaction().execute(async (trx) => {
      const created = await new TenancyRepository(trx).createMunicipality({
        region_id: values.regionId,
        slug: values.slug,
        name: values.name,
        ags: values.ags ?? null,
      });
      await this.audit.record(
        actor,
        {
          action: 'municipality.created',
          targetType: 'municipality',
          targetId: created.id,
          municipalityId: created.id,
        },
        trx,
      );
      return created;
    });
  }

  async updateMunicipality(id: string, patch: MunicipalityPatch, actor: AuditActor): Promise<Municipality> {
    const update: Record<string, unknown> = {};
    for (const [key, column] of Object.entries(PATCH_COLUMNS)) {
      const value = patch[key as keyof MunicipalityPatch];
      if (value !== undefined) update[column] = value;
    }
    return this.db.transaction().execute(async (trx) => {
      const updated = await new TenancyRepository(trx).updateMunicipality(id, update);
      if (!updated) throw Errors.notFound('Municipality');
      await this.audit.record(
        actor,
        {
          action: 'municipality.updated',
          targetType: 'municipality',
          targetId: id,
          municipalityId: id,
          details: { fields: Object.keys(patch) },
        },
        trx,
      );
      return updated;
    });
  }

  listOrgUnits(municipalityId: string): Promise<OrgUnit[]> {
    return this.repository.listOrgUnits(municipalityId);
  }

  async createOrgUnit(
    municipalityId: string,
    values: { kind: OrgUnitKind; name: string; parentId: string | null },
    actor: AuditActor,
  ): Promise<OrgUnit> {
    return this.db.transaction().execute(async (trx) => {
      const repository = new TenancyRepository(trx);
      if (values.parentId && !(await repository.findOrgUnit(municipalityId, values.parentId))) {
        throw Errors.validation('The parent unit does not belong to this municipality');
      }
      const unit = await repository.createOrgUnit({ municipalityId, ...values });
      await this.audit.record(
        actor,
        {
          action: 'org_unit.created',
          targetType: 'org_unit',
          targetId: unit.id,
          municipalityId,
          details: { name: unit.name, kind: unit.kind },
        },
        trx,
      );
      return unit;
    });
  }
}
