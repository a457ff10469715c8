// The only SQL of the open-data exports and the catalogue: published Datastreams, their observations
// page by page, published Locations. Public readers only ever get what a municipality published.
import { sql } from 'kysely';
import type { TileConfig } from '@srp/contracts';
import type { Database } from '../core/db/database.js';
import { publishedIdsQuery } from '../core/publication/publication.repository.js';
import { pointOf, unitLabel } from './dashboard.repository.js';

export interface DatasetRow {
  id: number;
  name: string;
  description: string;
  unit: string | null;
  unitDefinition: string | null;
  observedProperty: string;
  observedPropertyDefinition: string;
  thingName: string;
  municipalityId: string;
  municipalitySlug: string;
  municipalityName: string;
  ags: string | null;
  contactEmail: string | null;
  websiteUrl: string | null;
  publishedAt: Date;
  latestAt: Date | null;
  licenceUri: string | null;
  attribution: string | null;
}

export interface ObservationExportRow {
  id: number;
  time: Date;
  value: unknown;
}

export interface PublishedLocation {
  id: number;
  name: string;
  description: string;
  municipalityId: string;
  municipalityName: string;
  point: { latitude: number; longitude: number } | null;
  geometry: unknown;
  datastreams: { id: number; name: string; unit: string | null }[];
}

export class OpenDataRepository {
  constructor(private readonly db: Database) {}

  /** Published Datastreams (all, or of some municipalities, or one by id) with catalogue metadata. */
  async datasets(filter: { municipalityIds?: readonly string[]; id?: number }): Promise<DatasetRow[]> {
    if (filter.municipalityIds?.length === 0) return [];
    let query = this.db
      .selectFrom('sensor_datastreams as d')
      .innerJoin('sensor_things as t', 't.id', 'd.thing_id')
      .innerJoin('sensor_observed_properties as p', 'p.id', 'd.observed_property_id')
      .innerJoin('municipalities as m', 'm.id', 'd.municipality_id')
      .innerJoin('publications as pub', (join) =>
        join.on('pub.resource_type', '=', 'datastream').on('pub.resource_id', '=', sql<string>`d.id::text`),
      )
      .leftJoin('sensor_latest as l', 'l.datastream_id', 'd.id')
      .leftJoin('open_data_licences as lic', 'lic.datastream_id', 'd.id')
      .select([
        'd.id',
        'd.name',
        'd.description',
        'd.unit_of_measurement',
        'p.name as property_name',
        'p.definition as property_definition',
        't.name as thing_name',
        'm.id as municipality_id',
        'm.slug as municipality_slug',
        'm.name as municipality_name',
        'm.ags',
        'm.contact_email',
        'm.website_url',
        'pub.published_at',
        'l.phenomenon_time as latest_at',
        'lic.licence_uri',
        'lic.attribution',
      ]);
    if (filter.municipalityIds) query = query.where('d.municipality_id', 'in', [...filter.municipalityIds]);
    if (filter.id !== undefined) query = query.where('d.id', '=', filter.id);
    const rows = await query.orderBy('m.name').orderBy('t.name').orderBy('d.name').execute();
    return rows.map((r) => {
      const unit = r.unit_of_measurement as { definition?: unknown } | null;
      return {
        id: Number(r.id),
        name: r.name,
        description: r.description,
        unit: unitLabel(r.unit_of_measurement),
        unitDefinition: typeof unit?.definition === 'string' ? unit.definition : null,
        observedProperty: r.property_name,
        observedPropertyDefinition: r.property_definition,
        thingName: r.thing_name,
        municipalityId: r.municipality_id,
        municipalitySlug: r.municipality_slug,
        municipalityName: r.municipality_name,
        ags: r.ags,
        contactEmail: r.contact_email,
        websiteUrl: r.website_url,
        publishedAt: r.published_at,
        latestAt: r.latest_at ?? null,
        licenceUri: r.licence_uri ?? null,
        attribution: r.attribution ?? null,
      };
    });
  }

  /** One page of a Datastream's observations in [from, to), after the (time, id) cursor. */
  async observations(
    datastreamId: number,
    from: Date,
    to: Date,
    after: { time: Date; id: number } | null,
    limit: number,
  ): Promise<ObservationExportRow[]> {
    let query = this.db
      .selectFrom('sensor_observations')
      .select(['id', 'phenomenon_time_start', 'result_number', 'result'])
      .where('datastream_id', '=', datastreamId)
      .where('phenomenon_time_start', '>=', from)
      .where('phenomenon_time_start', '<', to);
    if (after) query = query.where(sql<boolean>`(phenomenon_time_start, id) > (${after.time}, ${after.id})`);
    const rows = await query.orderBy('phenomenon_time_start').orderBy('id').limit(limit).execute();
    return rows.map((r) => ({
      id: Number(r.id),
      time: r.phenomenon_time_start,
      value: r.result_number ?? r.result,
    }));
  }

  /** Published Locations with the published Datastreams of the Things placed there. */
  async locations(municipalityIds?: readonly string[]): Promise<PublishedLocation[]> {
    if (municipalityIds?.length === 0) return [];
    let query = this.db
      .selectFrom('sensor_locations as l')
      .innerJoin('municipalities as m', 'm.id', 'l.municipality_id')
      .select([
        'l.id',
        'l.name',
        'l.description',
        'l.location',
        'l.municipality_id',
        'm.name as municipality_name',
      ])
      .where(sql<string>`l.id::text`, 'in', publishedIdsQuery(this.db, 'location'));
    if (municipalityIds) query = query.where('l.municipality_id', 'in', [...municipalityIds]);
    const locations = await query.orderBy('m.name').orderBy('l.name').execute();
    if (locations.length === 0) return [];
    const streams = await this.db
      .selectFrom('sensor_thing_locations as tl')
      .innerJoin('sensor_datastreams as d', 'd.thing_id', 'tl.thing_id')
      .select(['tl.location_id', 'd.id', 'd.name', 'd.unit_of_measurement'])
      .where(
        'tl.location_id',
        'in',
        locations.map((l) => l.id),
      )
      .where(sql<string>`d.id::text`, 'in', publishedIdsQuery(this.db, 'datastream'))
      .orderBy('d.name')
      .execute();
    return locations.map((l) => ({
      id: Number(l.id),
      name: l.name,
      description: l.description,
      municipalityId: l.municipality_id,
      municipalityName: l.municipality_name,
      point: pointOf(l.location),
      geometry: l.location,
      datastreams: streams
        .filter((s) => Number(s.location_id) === Number(l.id))
        .map((s) => ({ id: Number(s.id), name: s.name, unit: unitLabel(s.unit_of_measurement) })),
    }));
  }

  /** Fields of action of published tiles per Datastream, for the catalogue's themes. */
  async fieldsOfAction(municipalityIds?: readonly string[]): Promise<Map<number, string>> {
    let query = this.db.selectFrom('dashboard_tiles').select('published').where('published', 'is not', null);
    if (municipalityIds) {
      if (municipalityIds.length === 0) return new Map();
      query = query.where('municipality_id', 'in', [...municipalityIds]);
    }
    const fields = new Map<number, string>();
    for (const row of await query.execute()) {
      const config = row.published as unknown as TileConfig;
      for (const id of config.datastreamIds) fields.set(id, config.fieldOfAction);
    }
    return fields;
  }

  async setLicence(
    municipalityId: string,
    datastreamId: number,
    licence: { uri: string; attribution: string | null },
  ): Promise<boolean> {
    const owned = await this.db
      .selectFrom('sensor_datastreams')
      .select('id')
      .where('id', '=', datastreamId)
      .where('municipality_id', '=', municipalityId)
      .executeTakeFirst();
    if (!owned) return false;
    await this.db
      .insertInto('open_data_licences')
      .values({
        datastream_id: datastreamId,
        municipality_id: municipalityId,
        licence_uri: licence.uri,
        attribution: licence.attribution,
      })
      .onConflict((oc) =>
        oc.column('datastream_id').doUpdateSet({
          licence_uri: licence.uri,
          attribution: licence.attribution,
          updated_at: new Date(),
        }),
      )
      .execute();
    return true;
  }
}
