// The only SQL of the built-in gazetteer: streets and places per municipality for the address search.
import type { Database } from '../core/db/database.js';
import type { ParticipationPlacesTable } from '../core/db/schema.js';
import type { Selectable } from 'kysely';

export type Place = Selectable<ParticipationPlacesTable>;

export interface PlaceValues {
  kind: 'street' | 'place';
  name: string;
  searchName: string;
  latitude: number;
  longitude: number;
}

export class PlacesRepository {
  constructor(private readonly db: Database) {}

  /** Adds or moves places of one municipality (same kind and name = same place). */
  async upsert(municipalityId: string, places: PlaceValues[]): Promise<void> {
    if (places.length === 0) return;
    await this.db
      .insertInto('participation_places')
      .values(
        places.map((p) => ({
          municipality_id: municipalityId,
          kind: p.kind,
          name: p.name,
          search_name: p.searchName,
          lat: p.latitude,
          lon: p.longitude,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['municipality_id', 'kind', 'name']).doUpdateSet((eb) => ({
          search_name: eb.ref('excluded.search_name'),
          lat: eb.ref('excluded.lat'),
          lon: eb.ref('excluded.lon'),
        })),
      )
      .execute();
  }

  /** Places of the given municipalities whose name contains the (normalised) text; prefixes first. */
  search(municipalityIds: string[], text: string, limit: number): Promise<Place[]> {
    if (municipalityIds.length === 0 || !text) return Promise.resolve([]);
    const escaped = text.replace(/[\\%_]/g, (c) => `\\${c}`);
    return this.db
      .selectFrom('participation_places')
      .selectAll()
      .where('municipality_id', 'in', municipalityIds)
      .where('search_name', 'like', `%${escaped}%`)
      .orderBy((eb) => eb.case().when('search_name', 'like', `${escaped}%`).then(0).else(1).end())
      .orderBy('name')
      .limit(limit)
      .execute();
  }
}
