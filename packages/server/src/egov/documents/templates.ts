// Document templates for the shipped processes, in plain German. A service task
// `${environment.services.generateDocument("name")}` picks one by name; unknown names fall back to a
// neutral notice. Placeholders are filled from the case, never from free designer code.
export interface TemplateData {
  reference: string;
  serviceName: string;
  municipalityName: string;
  office: string;
  applicantName: string;
  date: string;
  fee: string;
  note: string;
}

interface Template {
  title: string;
  body: string[];
}

const TEMPLATES: Record<string, Template> = {
  urkunde: {
    title: 'Begleitschreiben zu Ihrer Personenstandsurkunde',
    body: [
      'Guten Tag {applicantName},',
      'Ihr Antrag „{serviceName}“ ist bearbeitet. Die Urkunde schicken wir Ihnen mit der Post.',
      'Aktenzeichen: {reference}',
      'Gebühr: {fee}',
      '{note}',
    ],
  },
  meldebescheinigung: {
    title: 'Meldebescheinigung',
    body: [
      'Hiermit bescheinigen wir die Anmeldung von {applicantName} in {municipalityName}.',
      'Aktenzeichen: {reference}',
      'Ausgestellt am: {date}',
      '{note}',
    ],
  },
  hundesteuerbescheid: {
    title: 'Hundesteuerbescheid',
    body: [
      'Guten Tag {applicantName},',
      'Ihr Hund ist zur Hundesteuer angemeldet. Die Steuermarke schicken wir Ihnen mit der Post.',
      'Aktenzeichen: {reference}',
      '{note}',
    ],
  },
  sondernutzungserlaubnis: {
    title: 'Sondernutzungserlaubnis',
    body: [
      'Guten Tag {applicantName},',
      'wir erlauben die beantragte Nutzung des öffentlichen Straßenraums. Bitte halten Sie die Auflagen ein.',
      'Aktenzeichen: {reference}',
      'Gebühr: {fee}',
      '{note}',
    ],
  },
  ablehnung: {
    title: 'Bescheid: Ihr Antrag wurde abgelehnt',
    body: [
      'Guten Tag {applicantName},',
      'wir können Ihren Antrag „{serviceName}“ leider nicht genehmigen.',
      'Begründung: {note}',
      'Aktenzeichen: {reference}',
      'Rechtsbehelfsbelehrung: Gegen diesen Bescheid können Sie innerhalb eines Monats nach Bekanntgabe Widerspruch bei der Gemeinde {municipalityName} einlegen.',
    ],
  },
};

export function fillTemplate(name: string, data: TemplateData): { title: string; paragraphs: string[] } {
  const template = TEMPLATES[name] ?? { title: 'Bescheid', body: ['Aktenzeichen: {reference}', '{note}'] };
  const fill = (text: string) =>
    text.replace(/\{(\w+)\}/g, (_, key: string) => String(data[key as keyof TemplateData] ?? ''));
  return {
    title: template.title,
    paragraphs: template.body.map(fill).filter((p) => p.trim() !== '' && !/^Begründung: $/.test(p)),
  };
}

export const DOCUMENT_TEMPLATES = Object.keys(TEMPLATES);
