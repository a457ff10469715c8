// The open-data catalogue in DCAT-AP.de (the German application profile of DCAT-AP, harvested by
// GovData and CKAN's ckanext-dcat): one dcat:Catalog, a dcat:Dataset per published Datastream with
// distributions for CSV, JSON and the SensorThings API. Built once as RDF triples, written as Turtle or
// as JSON-LD from those same triples, so both formats always say the same.
import N3 from 'n3';
import type { DatasetRow } from './open-data.repository.js';

const namedNode = (iri: string) => N3.DataFactory.namedNode(iri);
const blankNode = (name: string) => N3.DataFactory.blankNode(name);
const literal = (value: string, languageOrType?: string | N3.NamedNode) =>
  N3.DataFactory.literal(value, languageOrType);
const quad = (s: N3.Quad['subject'], p: N3.NamedNode, o: N3.Quad['object']) => N3.DataFactory.quad(s, p, o);

export const NS = {
  rdf: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
  dcat: 'http://www.w3.org/ns/dcat#',
  dct: 'http://purl.org/dc/terms/',
  dcatde: 'http://dcat-ap.de/def/dcatde/',
  foaf: 'http://xmlns.com/foaf/0.1/',
  vcard: 'http://www.w3.org/2006/vcard/ns#',
  xsd: 'http://www.w3.org/2001/XMLSchema#',
} as const;

/** Datenlizenz Deutschland – Namensnennung – Version 2.0, the default licence of every dataset. */
export const DEFAULT_LICENCE = 'http://dcat-ap.de/def/licenses/dl-by-de/2.0';

const EU = 'http://publications.europa.eu/resource/authority/';
const THEME_OF_FIELD: Record<string, string> = {
  weather: 'ENVI',
  water: 'ENVI',
  waste: 'ENVI',
  environment: 'ENVI',
  energy: 'ENER',
  parking: 'TRAN',
  mobility: 'TRAN',
};

export interface CatalogueInput {
  baseUrl: string;
  title: string;
  description: string;
  publisherName: string;
  contributorId: string;
  homepage: string;
  datasets: readonly DatasetRow[];
  fieldsOfAction: ReadonlyMap<number, string>;
}

type Term = N3.NamedNode | N3.BlankNode | N3.Literal;

export function catalogueQuads(input: CatalogueInput): N3.Quad[] {
  const quads: N3.Quad[] = [];
  const add = (s: N3.NamedNode | N3.BlankNode, p: string, o: Term) => quads.push(quad(s, namedNode(p), o));
  const type = (s: N3.NamedNode | N3.BlankNode, t: string) => add(s, `${NS.rdf}type`, namedNode(t));
  const de = (text: string) => literal(text, 'de');
  const dateTime = (d: Date) => literal(d.toISOString(), namedNode(`${NS.xsd}dateTime`));
  const api = `${input.baseUrl}/api/open-data`;

  const catalogue = namedNode(`${api}/catalog`);
  type(catalogue, `${NS.dcat}Catalog`);
  add(catalogue, `${NS.dct}title`, de(input.title));
  add(catalogue, `${NS.dct}description`, de(input.description));
  add(catalogue, `${NS.dct}language`, namedNode(`${EU}language/DEU`));
  add(catalogue, `${NS.foaf}homepage`, namedNode(input.homepage));
  const catalogPublisher = blankNode('catalogPublisher');
  type(catalogPublisher, `${NS.foaf}Agent`);
  add(catalogPublisher, `${NS.foaf}name`, literal(input.publisherName));
  add(catalogue, `${NS.dct}publisher`, catalogPublisher);
  const newest = input.datasets.reduce<Date | null>((max, d) => {
    const at = d.latestAt ?? d.publishedAt;
    return !max || at > max ? at : max;
  }, null);
  if (newest) add(catalogue, `${NS.dct}modified`, dateTime(newest));

  const publishers = new Map<string, N3.BlankNode>();
  for (const d of input.datasets) {
    const dataset = namedNode(`${api}/datasets/datastream-${d.id}`);
    add(catalogue, `${NS.dcat}dataset`, dataset);
    type(dataset, `${NS.dcat}Dataset`);
    add(dataset, `${NS.dct}identifier`, literal(`${api}/datasets/datastream-${d.id}`));
    add(dataset, `${NS.dct}title`, de(`${d.name} (${d.municipalityName})`));
    add(
      dataset,
      `${NS.dct}description`,
      de(
        d.description ||
          `${d.observedProperty}, gemessen von „${d.thingName}“ in ${d.municipalityName}` +
            (d.unit ? ` (Einheit: ${d.unit}).` : '.'),
      ),
    );
    add(dataset, `${NS.dcat}keyword`, de(d.observedProperty));
    add(dataset, `${NS.dcat}keyword`, de('Sensordaten'));
    add(dataset, `${NS.dcat}keyword`, de(d.municipalityName));
    const theme = THEME_OF_FIELD[input.fieldsOfAction.get(d.id) ?? 'environment'] ?? 'ENVI';
    add(dataset, `${NS.dcat}theme`, namedNode(`${EU}data-theme/${theme}`));
    add(dataset, `${NS.dcatde}contributorID`, namedNode(input.contributorId));
    add(dataset, `${NS.dct}accrualPeriodicity`, namedNode(`${EU}frequency/CONT`));
    add(dataset, `${NS.dct}issued`, dateTime(d.publishedAt));
    if (d.latestAt) add(dataset, `${NS.dct}modified`, dateTime(d.latestAt));
    add(
      dataset,
      `${NS.dcat}landingPage`,
      namedNode(`${input.baseUrl}/dashboard/gemeinde/${d.municipalitySlug}`),
    );
    if (d.ags) {
      add(
        dataset,
        `${NS.dcatde}politicalGeocodingLevelURI`,
        namedNode('http://dcat-ap.de/def/politicalGeocoding/Level/municipality'),
      );
      add(
        dataset,
        `${NS.dcatde}politicalGeocodingURI`,
        namedNode(`http://dcat-ap.de/def/politicalGeocoding/municipalityKey/${d.ags}`),
      );
    }

    let publisher = publishers.get(d.municipalityId);
    if (!publisher) {
      publisher = blankNode(`publisher-${d.municipalitySlug}`);
      publishers.set(d.municipalityId, publisher);
      type(publisher, `${NS.foaf}Agent`);
      add(publisher, `${NS.foaf}name`, literal(`Gemeinde ${d.municipalityName}`));
      if (d.websiteUrl) add(publisher, `${NS.foaf}homepage`, namedNode(d.websiteUrl));
    }
    add(dataset, `${NS.dct}publisher`, publisher);
    if (d.contactEmail) {
      const contact = blankNode(`contact-${d.id}`);
      type(contact, `${NS.vcard}Organization`);
      add(contact, `${NS.vcard}fn`, literal(`Gemeinde ${d.municipalityName}`));
      add(contact, `${NS.vcard}hasEmail`, namedNode(`mailto:${d.contactEmail}`));
      add(dataset, `${NS.dcat}contactPoint`, contact);
    }

    const licence = namedNode(d.licenceUri ?? DEFAULT_LICENCE);
    const attribution = d.attribution ?? `Gemeinde ${d.municipalityName}`;
    const distributions = [
      {
        key: 'csv',
        title: 'CSV',
        url: `${api}/datastreams/${d.id}/observations.csv`,
        format: 'CSV',
        mediaType: 'text/csv',
      },
      {
        key: 'json',
        title: 'JSON',
        url: `${api}/datastreams/${d.id}/observations.json`,
        format: 'JSON',
        mediaType: 'application/json',
      },
      {
        key: 'sta',
        title: 'OGC SensorThings API 1.1',
        url: `${input.baseUrl}/sta/v1.1/Datastreams(${d.id})`,
        format: 'JSON',
        mediaType: 'application/json',
        conformsTo: 'http://www.opengis.net/doc/is/sensorthings/1.1',
      },
    ];
    for (const dist of distributions) {
      const distribution = namedNode(`${api}/datasets/datastream-${d.id}/${dist.key}`);
      add(dataset, `${NS.dcat}distribution`, distribution);
      type(distribution, `${NS.dcat}Distribution`);
      add(distribution, `${NS.dct}title`, de(`${d.name} – ${dist.title}`));
      add(distribution, `${NS.dcat}accessURL`, namedNode(dist.url));
      if (dist.key !== 'sta') add(distribution, `${NS.dcat}downloadURL`, namedNode(dist.url));
      add(distribution, `${NS.dct}format`, namedNode(`${EU}file-type/${dist.format}`));
      add(
        distribution,
        `${NS.dcat}mediaType`,
        namedNode(`https://www.iana.org/assignments/media-types/${dist.mediaType}`),
      );
      add(distribution, `${NS.dct}license`, licence);
      add(distribution, `${NS.dcatde}licenseAttributionByText`, de(attribution));
      if (dist.conformsTo) add(distribution, `${NS.dct}conformsTo`, namedNode(dist.conformsTo));
    }
  }
  return quads;
}

export function toTurtle(quads: readonly N3.Quad[]): Promise<string> {
  const writer = new N3.Writer({ prefixes: { ...NS } });
  writer.addQuads([...quads]);
  return new Promise((resolve, reject) =>
    writer.end((error, result: string) => (error ? reject(error) : resolve(result))),
  );
}

/** Expanded JSON-LD (an @graph of node objects) from the same triples, with a compact @context. */
export function toJsonLd(quads: readonly N3.Quad[]): Record<string, unknown> {
  const nodes = new Map<string, Record<string, unknown[]>>();
  const idOf = (term: N3.Term) => (term.termType === 'BlankNode' ? `_:${term.value}` : term.value);
  for (const q of quads) {
    const id = idOf(q.subject);
    let node = nodes.get(id);
    if (!node) nodes.set(id, (node = {}));
    if (q.predicate.value === `${NS.rdf}type`) {
      (node['@type'] ??= []).push(q.object.value);
      continue;
    }
    const value =
      q.object.termType === 'Literal'
        ? q.object.language
          ? { '@value': q.object.value, '@language': q.object.language }
          : q.object.datatype.value === `${NS.xsd}string`
            ? { '@value': q.object.value }
            : { '@value': q.object.value, '@type': q.object.datatype.value }
        : { '@id': idOf(q.object) };
    (node[q.predicate.value] ??= []).push(value);
  }
  return {
    '@context': {
      dcat: NS.dcat,
      dct: NS.dct,
      dcatde: NS.dcatde,
      foaf: NS.foaf,
      vcard: NS.vcard,
      xsd: NS.xsd,
    },
    '@graph': [...nodes.entries()].map(([id, node]) => ({ '@id': id, ...node })),
  };
}
