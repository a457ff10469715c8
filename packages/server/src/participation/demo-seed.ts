// Demo data of participation for the Südkreis: boundaries that route reports (simplified shapes around
// the real places, illustrative only), report categories for the building yards, a few reports, news,
// the legal pages per municipality, the plain-language page and answered feedback. Safe to call again.
import type { AppContext } from '../context.js';
import { systemActor } from '../core/audit/audit.service.js';
import type { Municipality } from '../core/db/schema.js';
import { rectangle, type Boundary } from './geo.js';

const BOUNDARIES: Record<string, Boundary> = {
  neuhof: rectangle(50.44, 9.53, 50.52, 9.7),
  flieden: rectangle(50.37, 9.5, 50.44, 9.62),
  kalbach: rectangle(50.34, 9.62, 50.44, 9.74),
};

/** A short hand-written gazetteer for the demo (no street data ships with the project). */
const DEMO_PLACES: Record<
  string,
  { kind: 'street' | 'place'; name: string; latitude: number; longitude: number }[]
> = {
  flieden: [
    { kind: 'street', name: 'Marktplatz', latitude: 50.4236, longitude: 9.5667 },
    { kind: 'street', name: 'Bahnhofstraße', latitude: 50.4218, longitude: 9.5705 },
    { kind: 'street', name: 'Hauptstraße', latitude: 50.4245, longitude: 9.5641 },
    { kind: 'street', name: 'Bachweg', latitude: 50.41, longitude: 9.55 },
    { kind: 'place', name: 'Rathaus', latitude: 50.4237, longitude: 9.5669 },
    { kind: 'place', name: 'Bahnhof Flieden', latitude: 50.4212, longitude: 9.5716 },
  ],
  neuhof: [
    { kind: 'street', name: 'Am Sportplatz', latitude: 50.455, longitude: 9.615 },
    { kind: 'street', name: 'Hauptstraße', latitude: 50.4545, longitude: 9.6128 },
    { kind: 'street', name: 'Schulstraße', latitude: 50.4561, longitude: 9.6162 },
    { kind: 'place', name: 'Rathaus', latitude: 50.4549, longitude: 9.6136 },
  ],
  kalbach: [
    { kind: 'street', name: 'Hauptstraße', latitude: 50.39, longitude: 9.66 },
    { kind: 'street', name: 'Kirchweg', latitude: 50.3912, longitude: 9.6621 },
    { kind: 'place', name: 'Dorfgemeinschaftshaus', latitude: 50.3895, longitude: 9.6588 },
  ],
};

const CATEGORIES = [
  {
    code: 'strassenbeleuchtung',
    name: 'Straßenbeleuchtung',
    description: 'Eine Straßenlaterne ist dunkel, flackert oder brennt am Tag.',
    keywords: ['laterne', 'licht'],
    team: 'Bauhof',
    attributes: [
      {
        variable: true,
        code: 'mast',
        datatype: 'string',
        required: false,
        datatype_description: 'Nummer auf dem Mast, falls lesbar',
        order: 1,
        description: 'Mastnummer',
      },
      {
        variable: true,
        code: 'defect',
        datatype: 'singlevaluelist',
        required: false,
        datatype_description: '',
        order: 2,
        description: 'Was ist los?',
        values: [
          { key: 'dark', name: 'Dunkel' },
          { key: 'flicker', name: 'Flackert' },
          { key: 'day', name: 'Brennt am Tag' },
        ],
      },
    ],
  },
  {
    code: 'muell',
    name: 'Müll und wilde Ablagerung',
    description: 'Überfüllte Papierkörbe oder abgeladener Müll.',
    keywords: ['abfall'],
    team: 'Bauhof',
    attributes: [],
  },
  {
    code: 'strassenschaden',
    name: 'Straßenschaden',
    description: 'Schlaglöcher, lose Gehwegplatten, beschädigte Schilder.',
    keywords: ['schlagloch', 'gehweg'],
    team: 'Bauhof',
    attributes: [],
  },
  {
    code: 'gruenflaechen',
    name: 'Grünflächen und Bäume',
    description: 'Überwucherte Wege, umgestürzte Äste, ungepflegte Spielplätze.',
    keywords: ['baum', 'spielplatz'],
    team: 'Bauhof',
    attributes: [],
  },
  {
    code: 'sonstiges',
    name: 'Sonstiges',
    description: 'Alles andere, was der Gemeinde auffällt.',
    keywords: [],
    team: 'Hauptamt',
    attributes: [],
  },
];

const LEGAL: {
  role: 'accessibility' | 'privacy' | 'imprint';
  title: string;
  body: (m: Municipality) => string;
}[] = [
  {
    role: 'imprint',
    title: 'Impressum',
    body: (m) =>
      `## Herausgeber\n\nGemeinde ${m.name}\n\n${m.address ?? ''}\n\nTelefon: ${m.contact_phone ?? '–'}\n\nE-Mail: ${m.contact_email ?? '–'}\n\nDie Gemeinde ist eine Körperschaft des öffentlichen Rechts. Vertreten durch den Bürgermeister bzw. die Bürgermeisterin.`,
  },
  {
    role: 'privacy',
    title: 'Datenschutzerklärung',
    body: (m) =>
      `## Verantwortliche Stelle\n\nGemeinde ${m.name}, ${m.address ?? ''}\n\n## Meldungen und Rückmeldungen\n\nWenn Sie einen Mangel melden, speichern wir Ihre Angaben, um die Meldung zu bearbeiten. Name, E-Mail-Adresse und Telefonnummer sind freiwillig und werden nie veröffentlicht. Fotos werden vor der Veröffentlichung geprüft; Standortdaten in Fotos (EXIF) entfernen wir beim Hochladen.\n\n## Ihre Rechte\n\nSie haben das Recht auf Auskunft, Berichtigung, Löschung und Beschwerde bei der Aufsichtsbehörde (Hessischer Beauftragter für Datenschutz und Informationsfreiheit).`,
  },
  {
    role: 'accessibility',
    title: 'Erklärung zur Barrierefreiheit',
    body: (m) =>
      `Die Gemeinde ${m.name} ist bemüht, diese Plattform im Einklang mit dem Hessischen Behindertengleichstellungsgesetz und der BITV 2.0 barrierefrei zugänglich zu machen.\n\n## Stand der Vereinbarkeit\n\nDie Plattform ist weitgehend mit WCAG 2.1 Stufe AA vereinbar. Die Karte des Mängelmelders kann auch ohne Maus bedient werden: Adresse oder Koordinaten lassen sich in Textfelder eingeben.\n\n## Feedback und Kontakt\n\nBarrieren können Sie uns melden: ${m.contact_email ?? ''}\n\n## Durchsetzungsverfahren\n\nWenn Sie keine zufriedenstellende Antwort erhalten, können Sie sich an die Durchsetzungsstelle nach § 17 HessBGG wenden.`,
  },
];

const PLAIN_LANGUAGE = `Auf dieser Seite erklären wir die Plattform in Leichter Sprache.

## Was ist die Smart Region?

Die Gemeinden Flieden, Kalbach und Neuhof arbeiten zusammen.
Sie machen ein Projekt im Internet.
Das Projekt heißt: Smart Region.

## Was können Sie hier machen?

- Sie können Neuigkeiten lesen.
- Sie können der Gemeinde sagen: Hier ist etwas kaputt.
  Zum Beispiel: Eine Straßen-Lampe ist kaputt.
- Sie können eine Idee schicken.

## Wie melden Sie etwas?

1. Sie gehen auf die Seite: **Mängel melden**.
2. Sie wählen aus: Was ist kaputt?
3. Sie schreiben: Wo ist es?
4. Sie schicken die Meldung ab.

Die Gemeinde kümmert sich darum.
Sie bekommen eine Nachricht, wenn die Sache erledigt ist.

## Ihre Daten

Ihr Name wird nicht gezeigt.
Ihre E-Mail-Adresse wird nicht gezeigt.`;

export async function seedDemoParticipation(ctx: AppContext): Promise<void> {
  const actor = systemActor('demo seed');
  const { reports, posts, feedback } = ctx.participation;
  const regions = await ctx.tenancy.publicRegions();
  const region = regions.find((r) => r.slug === 'suedkreis');
  if (!region) return;
  const municipalities: Municipality[] = [];
  for (const m of region.municipalities) municipalities.push(await ctx.tenancy.municipality(m.id));
  if ((await reports.categories(municipalities[0]!.id, false)).length > 0) return;

  for (const m of municipalities) {
    const boundary = BOUNDARIES[m.slug];
    if (boundary) await reports.setBoundary(m.id, boundary, actor);
    await ctx.participation.geocoding.gazetteer.save(m.id, DEMO_PLACES[m.slug] ?? []);
    const units = await ctx.tenancy.listOrgUnits(m.id);
    for (const c of CATEGORIES) {
      await reports.saveCategory(
        {
          municipalityId: m.id,
          code: c.code,
          name: c.name,
          description: c.description,
          keywords: c.keywords,
          teamId: units.find((u) => u.name === c.team)?.id ?? null,
          attributes: c.attributes,
          active: true,
        },
        actor,
      );
    }
    for (const page of LEGAL) {
      await posts.create(
        {
          regionId: region.id,
          municipalityId: m.id,
          kind: 'page',
          pageRole: page.role,
          slug: page.role,
          title: `${page.title} – ${m.name}`,
          summary: '',
          body: { format: 'markdown', markdown: page.body(m) },
          fieldsOfAction: [],
          status: 'published',
          publishAt: null,
        },
        actor,
      );
    }
  }

  await posts.create(
    {
      regionId: region.id,
      municipalityId: null,
      kind: 'page',
      pageRole: 'plain_language',
      slug: 'leichte-sprache',
      title: 'Die Smart Region in Leichter Sprache',
      summary: 'Was ist die Smart Region? Was können Sie hier machen?',
      body: { format: 'markdown', markdown: PLAIN_LANGUAGE },
      fieldsOfAction: [],
      status: 'published',
      publishAt: null,
    },
    actor,
  );

  const day = 86_400_000;
  const news = [
    {
      municipalityId: null,
      title: 'Der Mängelmelder ist online',
      summary:
        'Kaputte Laterne, volle Papierkörbe, Schlaglöcher: Melden Sie Mängel jetzt direkt an Ihre Gemeinde.',
      body: 'Ab sofort können Sie Mängel im öffentlichen Raum **direkt online melden** – mit Foto, Ort und Beschreibung. Die Meldung geht automatisch an die zuständige Gemeinde und ihren Bauhof.\n\n- ohne Konto möglich\n- Sie verfolgen den Stand über einen persönlichen Link\n- Ihre persönlichen Daten werden nie veröffentlicht',
      fields: ['beteiligung'],
      publishAt: new Date(Date.now() - 2 * day),
    },
    {
      municipalityId: municipalities.find((m) => m.slug === 'flieden')?.id ?? null,
      title: 'Neue Pegelsensoren an der Fliede',
      summary: 'Drei neue Sensoren messen den Wasserstand und warnen früh vor Hochwasser.',
      body: 'Die Gemeinde Flieden hat drei Pegelsensoren an der Fliede installiert. Die Werte sehen Sie im **Dashboard**.\n\n## Warum?\n\nBei Starkregen steigt die Fliede schnell. Die Sensoren helfen dem Bauhof, rechtzeitig zu handeln.',
      fields: ['umwelt', 'katastrophenschutz'],
      publishAt: new Date(Date.now() - 5 * day),
    },
    {
      municipalityId: null,
      title: 'Bürgerwerkstatt zur Smart Region im Frühjahr',
      summary: 'Wir laden zur offenen Werkstatt ein: Welche Daten und Dienste wünschen Sie sich?',
      body: 'Die Einladung folgt. Diese Nachricht ist zeitgesteuert und erscheint erst zum geplanten Termin.',
      fields: ['beteiligung'],
      publishAt: new Date(Date.now() + 30 * day),
    },
  ];
  for (const n of news) {
    await posts.create(
      {
        regionId: region.id,
        municipalityId: n.municipalityId,
        kind: 'news',
        pageRole: null,
        slug: n.title
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, '-')
          .replace(/^-|-$/g, ''),
        title: n.title,
        summary: n.summary,
        body: { format: 'markdown', markdown: n.body },
        fieldsOfAction: n.fields,
        status: 'published',
        publishAt: n.publishAt,
      },
      actor,
    );
  }

  const ids = municipalities.map((m) => m.id);
  const demoReports = [
    {
      code: 'strassenbeleuchtung',
      description: 'Die Laterne vor dem Haus Marktplatz 3 ist seit Tagen dunkel.',
      latitude: 50.4236,
      longitude: 9.5667,
      address: 'Marktplatz 3, Flieden',
      status: 'in_progress' as const,
    },
    {
      code: 'muell',
      description: 'Am Parkplatz beim Sportplatz wurden Sperrmüll und Reifen abgeladen.',
      latitude: 50.455,
      longitude: 9.615,
      address: 'Am Sportplatz, Neuhof',
      status: 'open' as const,
    },
    {
      code: 'strassenschaden',
      description: 'Tiefes Schlagloch in der Ortsdurchfahrt, Richtung Kirche.',
      latitude: 50.39,
      longitude: 9.66,
      address: 'Hauptstraße, Kalbach',
      status: 'acknowledged' as const,
    },
    {
      code: 'gruenflaechen',
      description: 'Ein großer Ast liegt nach dem Sturm auf dem Fußweg am Bach.',
      latitude: 50.41,
      longitude: 9.55,
      address: 'Bachweg, Flieden',
      status: 'closed' as const,
    },
  ];
  for (const r of demoReports) {
    const { report } = await reports.submit(
      {
        candidateMunicipalityIds: ids,
        categoryCode: r.code,
        description: r.description,
        latitude: r.latitude,
        longitude: r.longitude,
        address: r.address,
        reporterName: 'Bea Bürgerin',
        reporterEmail: null,
        channel: 'web',
      },
      actor,
    );
    if (r.status !== 'open')
      await reports.change(
        report,
        { status: r.status, statusNote: r.status === 'closed' ? 'Der Bauhof hat den Ast entfernt.' : null },
        actor,
      );
  }

  const idea = await feedback.submit(
    {
      regionId: region.id,
      municipalityId: null,
      kind: 'idea',
      title: 'Freie Parkplätze am Bahnhof anzeigen',
      body: 'Es wäre toll, wenn man vor der Fahrt sehen könnte, ob am Bahnhof noch Parkplätze frei sind.',
      authorName: 'Bea Bürgerin',
      authorEmail: null,
    },
    actor,
  );
  await feedback.moderate(
    idea,
    {
      status: 'published',
      answer:
        'Danke für die Idee! Die Parkplatzsensoren am Bahnhof Flieden sind bestellt; die Belegung erscheint dann im Dashboard.',
    },
    actor,
  );
  await feedback.submit(
    {
      regionId: region.id,
      municipalityId: null,
      kind: 'feedback',
      title: 'Schrift auf dem Handy',
      body: 'Auf meinem Handy ist die Schrift im Dashboard etwas klein.',
      authorName: null,
      authorEmail: null,
    },
    actor,
  );
}
