// GeoReport v2 wire shapes: the translation between our reports and Open311's service requests, and the
// spec's error format (a list of { code, description }) in JSON and XML.
import { AppError, isAppError } from '../../core/errors.js';
import type { ReportCategory, ReportPhoto, ReportStatus } from '../../core/db/schema.js';
import type { ReportRow } from '../reports.repository.js';
import { el, objectToXml, xmlDocument } from '../xml.js';

export type Format = 'json' | 'xml';

export interface Open311Attribute {
  variable: boolean;
  code: string;
  datatype: 'string' | 'number' | 'datetime' | 'text' | 'singlevaluelist' | 'multivaluelist';
  required: boolean;
  datatype_description: string;
  order: number;
  description: string;
  values?: { key: string; name: string }[];
}

export const attributesOf = (category: ReportCategory): Open311Attribute[] =>
  Array.isArray(category.attributes) ? (category.attributes as Open311Attribute[]) : [];

/** Splits `name.json` / `name.xml`; anything else is not an Open311 resource. */
export function splitFormat(file: string): { name: string; format: Format } | null {
  const match = /^(.+)\.(json|xml)$/.exec(file);
  return match ? { name: match[1]!, format: match[2] as Format } : null;
}

export const open311Status = (status: ReportStatus) => (status === 'closed' ? 'closed' : 'open');

export function presentService(category: ReportCategory) {
  return {
    service_code: category.code,
    service_name: category.name,
    description: category.description,
    metadata: attributesOf(category).length > 0,
    type: 'realtime',
    keywords: category.keywords.join(','),
    group: '',
  };
}

export function presentServiceDefinition(category: ReportCategory) {
  return {
    service_code: category.code,
    attributes: attributesOf(category).map((a) => ({
      variable: a.variable,
      code: a.code,
      datatype: a.datatype,
      required: a.required,
      datatype_description: a.datatype_description,
      order: a.order,
      description: a.description,
      ...(a.values ? { values: a.values } : {}),
    })),
  };
}

/** A service request as the public sees it: never the reporter's name, e-mail, phone or account. */
export function presentRequest(report: ReportRow, photos: ReportPhoto[], publicUrl: string) {
  const photo = photos.find((p) => p.report_id === report.id && p.approved);
  return {
    service_request_id: String(report.number),
    status: open311Status(report.status),
    status_notes: report.status_note ?? '',
    service_name: report.category_name,
    service_code: report.category_code,
    description: report.description,
    agency_responsible: report.municipality_name,
    service_notice: '',
    requested_datetime: report.created_at.toISOString(),
    updated_datetime: report.updated_at.toISOString(),
    expected_datetime: '',
    address: report.address ?? '',
    address_id: '',
    zipcode: '',
    lat: report.latitude ?? '',
    long: report.longitude ?? '',
    media_url: photo ? `${publicUrl}/api/public/reports/photos/${photo.id}` : '',
  };
}

/** The body in the asked format; lists in XML get the element names the spec gives. */
export function render(format: Format, root: string, item: string | null, value: unknown): string {
  if (format === 'json') return JSON.stringify(value);
  if (item === null) return xmlDocument(objectToXml(root, value));
  return xmlDocument(
    el(
      root,
      (value as unknown[]).map((v) => objectToXml(item, v)),
    ),
  );
}

export const CONTENT_TYPE: Record<Format, string> = {
  json: 'application/json; charset=utf-8',
  xml: 'text/xml; charset=utf-8',
};

/** Errors in GeoReport v2 form; the HTTP status is the error code. */
export function renderError(format: Format, error: unknown): { status: number; body: string } {
  let status = 500;
  let description = 'Internal error';
  if (isAppError(error)) {
    status = error.status;
    description = error.message;
  } else if (typeof error === 'object' && error !== null && 'statusCode' in error) {
    const e = error as { statusCode?: number; message?: string };
    if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
      status = e.statusCode;
      description = e.message ?? 'Bad request';
    }
  }
  return { status, body: render(format, 'errors', 'error', [{ code: status, description }]) };
}

export const open311Error = (status: number, description: string) =>
  new AppError(
    status === 403 ? 'forbidden' : status === 404 ? 'not_found' : 'bad_request',
    status,
    description,
  );
