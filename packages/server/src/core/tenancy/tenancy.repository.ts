import type { Database } from '../db/database.js';
import type {
  Municipality,
  MunicipalityUpdate,
  NewMunicipality,
  OrgUnit,
  OrgUnitKind,
  Region,
} from '../db/schema.js';

export class TenancyRepository {
  constructor(private readonly db: Database) {}

  listRegions(): Promise<Region[]> {
    return this.db.selectFrom('regions').selectAll().orderBy('name').execute();
  }

  findRegionBySlug(slug: string): Promise<Region | undefined> {
    return this.db.selectFrom('regions').selectAll().where('slug', '=', slug).executeTakeFirst();
  }

  createRegion(values: { slug: string; name: string; description?: string | null }): Promise<Region> {
    return this.db
      .insertInto('regions')
      .values({ slug: values.slug, name: values.name, description: values.description ?? null })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  listMunicipalities(regionIds?: string[]): Promise<Municipality[]> {
    let query = this.db.selectFrom('municipalities').selectAll();
    if (regionIds) {
      if (regionIds.length === 0) return Promise.resolve([]);
      query = query.where('region_id', 'in', regionIds);
    }
    return query.orderBy('name').execute();
  }

  listMunicipalitiesById(ids: string[]): Promise<Municipality[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.db.selectFrom('municipalities').selectAll().where('id', 'in', ids).orderBy('name').execute();
  }

  findMunicipality(id: string): Promise<Municipality | undefined> {
    return this.db.selectFrom('municipalities').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findMunicipalityBySlug(slug: string): Promise<Municipality | undefined> {
    return this.db.selectFrom('municipalities').selectAll().where('slug', '=', slug).executeTakeFirst();
  }

  createMunicipality(values: NewMunicipality): Promise<Municipality> {
    return this.db.insertInto('municipalities').values(values).returningAll().executeTakeFirstOrThrow();
  }

  updateMunicipality(id: string, values: MunicipalityUpdate): Promise<Municipality | undefined> {
    return this.db
      .updateTable('municipalities')
      .set({ ...values, updated_at: new Date() })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  }

  listOrgUnits(municipalityId: string): Promise<OrgUnit[]> {
    return this.db
      .selectFrom('org_units')
      .selectAll()
      .where('municipality_id', '=', municipalityId)
      .orderBy('kind')
      .orderBy('name')
      .execute();
  }

  findOrgUnit(municipalityId: string, id: string): Promise<OrgUnit | undefined> {
    return this.db
      .selectFrom('org_units')
      .selectAll()
      .where('municipality_id', '=', municipalityId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  createOrgUnit(values: {
    municipalityId: string;
    kind: OrgUnitKind;
    name: string;
    parentId: string | null;
  }): Promise<OrgUnit> {
    return this.db
      .insertInto('org_units')
      .values({
        municipality_id: values.municipalityId,
        kind: values.kind,
        name: values.name,
        parent_id: values.parentId,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }
}
