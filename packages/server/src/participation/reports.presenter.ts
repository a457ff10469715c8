// The shapes of reports: the public view never carries the reporter's name, e-mail, phone or account,
// nor internal comments or unapproved photos; staff see everything.
import type { ReportComment, ReportPhoto } from '../core/db/schema.js';
import type { ReportRow } from './reports.repository.js';

const locationOf = (report: ReportRow) =>
  report.latitude !== null && report.longitude !== null
    ? { latitude: report.latitude, longitude: report.longitude }
    : null;

export const publicPhotoUrl = (photoId: string) => `/api/public/reports/photos/${photoId}`;

export function presentPublicReport(report: ReportRow, photos: ReportPhoto[]) {
  return {
    number: report.number,
    municipalityId: report.municipality_id,
    municipalityName: report.municipality_name,
    category: { code: report.category_code, name: report.category_name },
    description: report.description,
    address: report.address,
    location: locationOf(report),
    status: report.status,
    statusNote: report.status_note,
    duplicateOf: report.duplicate_of !== null,
    photos: photos.filter((p) => p.approved && p.report_id === report.id).map((p) => publicPhotoUrl(p.id)),
    createdAt: report.created_at.toISOString(),
    updatedAt: report.updated_at.toISOString(),
  };
}

export function presentPublicComment(c: ReportComment) {
  return { body: c.body, createdAt: c.created_at.toISOString() };
}

export function presentStaffReport(report: ReportRow) {
  return {
    id: report.id,
    number: report.number,
    municipalityId: report.municipality_id,
    municipalityName: report.municipality_name,
    category: { code: report.category_code, name: report.category_name },
    teamId: report.team_id,
    description: report.description,
    address: report.address,
    location: locationOf(report),
    attributes: (report.attributes ?? {}) as Record<string, unknown>,
    mediaUrl: report.media_url,
    status: report.status,
    statusNote: report.status_note,
    reporter: { name: report.reporter_name, email: report.reporter_email, phone: report.reporter_phone },
    duplicateOf: report.duplicate_of,
    taskId: report.task_id,
    channel: report.channel,
    createdAt: report.created_at.toISOString(),
    updatedAt: report.updated_at.toISOString(),
  };
}
