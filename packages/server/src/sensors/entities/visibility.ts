// Who sees which SensorThings entities, as SQL conditions on a row alias, so every read is filtered in the
// database (never by post-processing). The public sees what a municipality published: Datastreams and
// MultiDatastreams in `publications`, their Observations, Things, Sensors and ObservedProperties, the
// FeaturesOfInterest of visible Observations, and Locations published as 'location'. Staff readers see
// everything of their municipalities on top of that.
import { sql } from 'kysely';
import type { EntitySetName, Sql } from './model.js';

export interface Viewer {
  /** Municipalities read as staff ('all' for platform admins); [] for the public. */
  municipalities: string[] | 'all';
}

export const PUBLIC_VIEWER: Viewer = { municipalities: [] };

const r = (s: string) => sql.raw(s);
const published = (type: string) =>
  r(`(select p.resource_id from publications p where p.resource_type = '${type}')`);
const pubDs = (a: string) => sql`${r(a)}.id::text in ${published('datastream')}`;
const pubMds = (a: string) => sql`${r(a)}.id::text in ${published('multi_datastream')}`;

function publicCondition(set: EntitySetName, a: string): Sql {
  const ref = (c: string) => r(`${a}.${c}`);
  switch (set) {
    case 'Datastreams':
      return pubDs(a);
    case 'MultiDatastreams':
      return pubMds(a);
    case 'Observations':
      return sql`(${ref('datastream_id')}::text in ${published('datastream')} or ${ref('multi_datastream_id')}::text in ${published('multi_datastream')})`;
    case 'Things':
    case 'Sensors': {
      const fk = set === 'Things' ? 'thing_id' : 'sensor_id';
      return sql`(exists (select 1 from sensor_datastreams v_d where v_d.${r(fk)} = ${ref('id')} and ${pubDs('v_d')})
        or exists (select 1 from sensor_multi_datastreams v_m where v_m.${r(fk)} = ${ref('id')} and ${pubMds('v_m')}))`;
    }
    case 'ObservedProperties':
      return sql`(exists (select 1 from sensor_datastreams v_d where v_d.observed_property_id = ${ref('id')} and ${pubDs('v_d')})
        or exists (select 1 from sensor_multi_datastream_observed_properties v_j join sensor_multi_datastreams v_m on v_m.id = v_j.multi_datastream_id
          where v_j.observed_property_id = ${ref('id')} and ${pubMds('v_m')}))`;
    case 'Locations':
      return sql`${ref('id')}::text in ${published('location')}`;
    case 'HistoricalLocations':
      return sql`(exists (select 1 from sensor_things v_t where v_t.id = ${ref('thing_id')} and ${publicCondition('Things', 'v_t')})
        and exists (select 1 from sensor_historical_location_locations v_hl where v_hl.historical_location_id = ${ref('id')}
          and v_hl.location_id::text in ${published('location')}))`;
    case 'FeaturesOfInterest':
      return sql`exists (select 1 from sensor_observations v_o where v_o.feature_of_interest_id = ${ref('id')} and ${publicCondition('Observations', 'v_o')})`;
  }
}

/** The condition that row alias `a` of `set` is visible to `viewer`. */
export function visibleCondition(set: EntitySetName, a: string, viewer: Viewer): Sql {
  if (viewer.municipalities === 'all') return sql`true`;
  const own =
    viewer.municipalities.length > 0
      ? sql`${r(a)}.municipality_id in (${sql.join(viewer.municipalities)})`
      : sql`false`;
  return sql`(${own} or ${publicCondition(set, a)})`;
}

/** The condition that row alias `a` belongs to one of the municipalities (writers). */
export function ownedCondition(a: string, municipalities: string[] | 'all'): Sql {
  if (municipalities === 'all') return sql`true`;
  if (municipalities.length === 0) return sql`false`;
  return sql`${r(a)}.municipality_id in (${sql.join(municipalities)})`;
}
