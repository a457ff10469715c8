// XML for XÖV-style interfaces: a template with `{{path}}` placeholders is filled from the submission
// (every value XML-escaped), the result is validated against the destination's XSD, and only a valid
// document is posted (signed like a webhook). An invalid document is a refusal, not a retry: the template
// or the data must be fixed first, and the delivery waits in the dead-letter list until then.
import { validateXML } from 'xmllint-wasm';
import {
  DeliveryRefused,
  type Connector,
  type DeliveryAttempt,
  type Submission,
  type XmlSettings,
} from './connector.types.js';
import { postSigned, validateUrlAndSecret } from './webhook.connector.js';

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}/g;

export function escapeXml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** What the template can address: the submission, plus `now` (ISO timestamp) and `today` (date). */
export function templateScope(submission: Submission, now = new Date()): Record<string, unknown> {
  return {
    reference: submission.reference,
    service: { identifier: submission.serviceIdentifier, name: submission.serviceName },
    data: submission.data,
    attachments: submission.attachments.map((a) => ({ filename: a.filename, mediaType: a.mediaType })),
    now: now.toISOString(),
    today: now.toISOString().slice(0, 10),
  };
}

/** Fills the placeholders; a missing value becomes empty (the XSD decides whether that is allowed). */
export function renderXmlTemplate(template: string, scope: Record<string, unknown>): string {
  return template.replace(PLACEHOLDER, (_, path: string) => {
    let value: unknown = scope;
    for (const segment of path.split('.')) {
      value =
        value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[segment] : undefined;
    }
    if (value === undefined || value === null) return '';
    const text =
      typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
        ? String(value)
        : JSON.stringify(value);
    return escapeXml(text);
  });
}

/** Problems of the document against the schema; empty when valid. */
export async function validateAgainstXsd(xml: string, xsd: string): Promise<string[]> {
  const result = await validateXML({
    xml: [{ fileName: 'document.xml', contents: xml }],
    schema: [{ fileName: 'schema.xsd', contents: xsd }],
  });
  return result.valid ? [] : result.errors.map((e) => e.rawMessage.trim()).slice(0, 20);
}

export const xmlConnector: Connector = {
  kind: 'xml',
  async validateSettings(settings) {
    const problems = validateUrlAndSecret(settings);
    if (typeof settings.template !== 'string' || !settings.template.trim().startsWith('<')) {
      problems.push('template must be an XML document');
    }
    if (typeof settings.xsd !== 'string' || !settings.xsd.includes('schema')) {
      problems.push('xsd must be an XML schema');
    }
    if (problems.length === 0) {
      // The schema must at least compile: validate an empty document and look for schema errors.
      try {
        await validateXML({
          xml: [{ fileName: 'probe.xml', contents: '<probe/>' }],
          schema: [{ fileName: 'schema.xsd', contents: settings.xsd as string }],
        });
      } catch (error) {
        problems.push(`xsd cannot be used: ${(error as Error).message.slice(0, 300)}`);
      }
    }
    return problems;
  },
  async deliver(attempt: DeliveryAttempt) {
    const settings = attempt.destination.settings as unknown as XmlSettings;
    const xml = renderXmlTemplate(settings.template, templateScope(attempt.submission));
    const problems = await validateAgainstXsd(xml, settings.xsd);
    if (problems.length > 0) {
      throw new DeliveryRefused(`the document does not satisfy the XSD: ${problems.join('; ')}`);
    }
    return postSigned(attempt, settings, xml, settings.mediaType ?? 'application/xml');
  },
};
