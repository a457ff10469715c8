// Address search for reports ("map pick or address"). A port with two providers: the built-in gazetteer
// of streets and places per municipality (always on, works offline) and, when configured, a
// Nominatim-compatible service (PARTICIPATION_GEOCODER_URL). The map pick stays the main path.
import type { Database } from '../core/db/database.js';
import { PlacesRepository, type PlaceValues } from './places.repository.js';

export interface GeocodeResult {
  label: string;
  latitude: number;
  longitude: number;
  /** The municipality of a gazetteer hit; null for results of an external service. */
  municipalityId: string | null;
  source: 'gazetteer' | 'nominatim';
}

export interface GeocodeArea {
  municipalities: { id: string; name: string }[];
}

/** The port: a provider answers candidates for a free-text address within an area. */
export interface Geocoder {
  search(text: string, area: GeocodeArea, limit: number): Promise<GeocodeResult[]>;
}

/** Lower case, umlauts and ß spelt out, "str." and "strasse" alike, so typing finds what is stored. */
export function normalizePlace(text: string): string {
  return text
    .toLowerCase()
    .replace(/ä/g, 'ae')
    .replace(/ö/g, 'oe')
    .replace(/ü/g, 'ue')
    .replace(/ß/g, 'ss')
    .replace(/\bstr\.?(?=\s|$)/g, 'strasse')
    .replace(/[^a-z0-9 ]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Splits "Marktplatz 3, Flieden" into the street part to search and a house number to keep. */
export function splitAddress(text: string): { street: string; houseNumber: string | null } {
  const first = text.split(',')[0]!.trim();
  const match = /^(.*?)\s+(\d+\s?[a-zA-Z]?)$/.exec(first);
  return match
    ? { street: match[1]!, houseNumber: match[2]!.replace(/\s/g, '') }
    : { street: first, houseNumber: null };
}

export class GazetteerGeocoder implements Geocoder {
  constructor(private readonly db: Database) {}

  async search(text: string, area: GeocodeArea, limit: number): Promise<GeocodeResult[]> {
    const { street, houseNumber } = splitAddress(text);
    const names = new Map(area.municipalities.map((m) => [m.id, m.name]));
    const rows = await new PlacesRepository(this.db).search([...names.keys()], normalizePlace(street), limit);
    return rows.map((row) => ({
      label: `${row.name}${houseNumber && row.kind === 'street' ? ` ${houseNumber}` : ''}, ${names.get(row.municipality_id) ?? ''}`,
      latitude: row.lat,
      longitude: row.lon,
      municipalityId: row.municipality_id,
      source: 'gazetteer' as const,
    }));
  }

  save(municipalityId: string, places: Omit<PlaceValues, 'searchName'>[]): Promise<void> {
    return new PlacesRepository(this.db).upsert(
      municipalityId,
      places.map((p) => ({ ...p, searchName: normalizePlace(p.name) })),
    );
  }
}

/** A Nominatim-compatible /search endpoint; only asked when configured, never with personal data. */
export class NominatimGeocoder implements Geocoder {
  constructor(
    private readonly baseUrl: string,
    private readonly userAgent: string,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  async search(text: string, area: GeocodeArea, limit: number): Promise<GeocodeResult[]> {
    const url = new URL('search', this.baseUrl.endsWith('/') ? this.baseUrl : `${this.baseUrl}/`);
    // One municipality names the town, so "Marktplatz 3" finds the one in Flieden.
    const town = area.municipalities.length === 1 ? `, ${area.municipalities[0]!.name}` : '';
    url.search = new URLSearchParams({
      q: `${text}${town}`,
      format: 'jsonv2',
      limit: String(limit),
      countrycodes: 'de',
    }).toString();
    try {
      const response = await this.fetchImpl(url, {
        headers: { 'user-agent': this.userAgent, accept: 'application/json' },
        signal: AbortSignal.timeout(5000),
      });
      if (!response.ok) return [];
      const rows = (await response.json()) as { display_name?: string; lat?: string; lon?: string }[];
      return rows
        .map((r) => ({
          label: r.display_name ?? '',
          latitude: Number(r.lat),
          longitude: Number(r.lon),
          municipalityId: null,
          source: 'nominatim' as const,
        }))
        .filter((r) => r.label && Number.isFinite(r.latitude) && Number.isFinite(r.longitude));
    } catch {
      // An unreachable service must not break the form: the gazetteer and the map still work.
      return [];
    }
  }
}

/** Asks the providers in order and answers the first hits, up to the limit. */
export class GeocodingService {
  constructor(
    readonly gazetteer: GazetteerGeocoder,
    private readonly external: Geocoder | null,
  ) {}

  async search(text: string, area: GeocodeArea, limit = 8): Promise<GeocodeResult[]> {
    const local = await this.gazetteer.search(text, area, limit);
    if (local.length >= limit || !this.external) return local;
    return [...local, ...(await this.external.search(text, area, limit - local.length))];
  }
}
