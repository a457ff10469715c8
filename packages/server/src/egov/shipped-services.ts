// The online services the platform ships, fully modelled: a BPMN process and a form-js form each
// (files in ./assets), fee rules, required documents and retention. The demo seed and new regions take
// them from here; designers change them in the browser as new versions.
// LeiKa keys are in the official URN form; the numbers are illustrative for the demo and must be
// checked against the current LeiKa catalogue before production use.
import fs from 'node:fs';
import path from 'node:path';
import type { FeeRule } from './fees.js';
import type { FormSchema } from './forms/form-validation.js';

export interface ServiceDefinition {
  slug: string;
  leikaKey: string;
  name: string;
  description: string;
  feeRules: FeeRule[];
  requiredDocuments: string[];
  allowAnonymous: boolean;
  retentionDays: number;
  processingDays: number;
  formSchema: FormSchema;
  bpmnXml: string;
}

/** Assets sit beside the sources; the compiled server finds them there too. */
function assetDir(): string {
  const beside = path.resolve(import.meta.dirname, 'assets');
  if (fs.existsSync(beside)) return beside;
  return path.resolve(import.meta.dirname, '../../src/egov/assets');
}

function asset(name: string): string {
  return fs.readFileSync(path.join(assetDir(), name), 'utf8');
}

function load(
  slug: string,
  rest: Omit<ServiceDefinition, 'slug' | 'formSchema' | 'bpmnXml'>,
): ServiceDefinition {
  return {
    slug,
    ...rest,
    formSchema: JSON.parse(asset(`${slug}.form.json`)) as FormSchema,
    bpmnXml: asset(`${slug}.bpmn`),
  };
}

let cache: ServiceDefinition[] | null = null;

export function shippedServices(): ServiceDefinition[] {
  cache ??= [
    load('personenstandsurkunde', {
      leikaKey: 'urn:de:fim:leika:leistung:99050012104000',
      name: 'Personenstandsurkunde beantragen',
      description:
        'Geburts-, Ehe-, Lebenspartnerschafts- oder Sterbeurkunde online bestellen. Wir schicken die Urkunde per Post.',
      feeRules: [
        { id: 'erste', label: 'Erste Urkunde', amountCents: 1200 },
        {
          id: 'weitere',
          label: 'Jede weitere Urkunde',
          amountCents: 600,
          perUnit: { field: 'urkunde.anzahl', minus: 1 },
        },
      ],
      requiredDocuments: ['Kopie des Personalausweises oder Reisepasses'],
      allowAnonymous: true,
      retentionDays: 90,
      processingDays: 7,
    }),
    load('meldebescheinigung', {
      leikaKey: 'urn:de:fim:leika:leistung:99115005000000',
      name: 'Meldebescheinigung beantragen',
      description: 'Eine Bescheinigung über Ihre Anmeldung (Wohnsitz). Einfach oder erweitert.',
      feeRules: [
        { id: 'einfach', label: 'Einfache Meldebescheinigung', amountCents: 500 },
        {
          id: 'erweitert',
          label: 'Zuschlag erweiterte Meldebescheinigung',
          amountCents: 300,
          when: { field: 'bescheinigung.art', equals: 'erweitert' },
        },
      ],
      requiredDocuments: [],
      allowAnonymous: false,
      retentionDays: 30,
      processingDays: 3,
    }),
    load('hundesteuer', {
      leikaKey: 'urn:de:fim:leika:leistung:99082002001000',
      name: 'Hund zur Hundesteuer anmelden',
      description:
        'Melden Sie Ihren Hund an. Sie bekommen einen Steuerbescheid und eine Hundesteuermarke. Die Anmeldung ist kostenlos.',
      feeRules: [],
      requiredDocuments: ['Sachkundenachweis (nur bei Listenhunden)'],
      allowAnonymous: false,
      retentionDays: 3650,
      processingDays: 14,
    }),
    load('sondernutzung', {
      leikaKey: 'urn:de:fim:leika:leistung:99108011000000',
      name: 'Sondernutzung öffentlicher Straßenraum',
      description:
        'Erlaubnis für Container, Gerüst, Umzugswagen oder Stand auf Straße oder Gehweg. Die Gemeinde entscheidet über den Antrag.',
      feeRules: [
        { id: 'grundgebuehr', label: 'Verwaltungsgebühr', amountCents: 2500 },
        {
          id: 'tagessatz',
          label: 'Je Tag der Nutzung',
          amountCents: 200,
          perUnit: { field: 'nutzung.dauer_tage' },
        },
      ],
      requiredDocuments: ['Lageplan oder Skizze (empfohlen)'],
      allowAnonymous: false,
      retentionDays: 365,
      processingDays: 14,
    }),
  ];
  return cache;
}
