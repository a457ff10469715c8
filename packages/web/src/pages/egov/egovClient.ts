// Requests of the citizen portal. Anonymous applications carry their resume token (kept in this tab's
// session storage and in the resume link); signed-in citizens are recognised by their session.
import { ApiError, apiRequest, currentCsrfToken } from '../../api.js';

const TOKENS = 'srp.egov.resumeTokens';

function tokens(): Record<string, string> {
  try {
    return JSON.parse(sessionStorage.getItem(TOKENS) ?? '{}') as Record<string, string>;
  } catch {
    return {};
  }
}

export function rememberResumeToken(caseId: string, token: string): void {
  sessionStorage.setItem(TOKENS, JSON.stringify({ ...tokens(), [caseId]: token }));
}

export const resumeTokenOf = (caseId: string): string | undefined => tokens()[caseId];

async function send<T>(
  method: string,
  path: string,
  caseId: string | null,
  body?: BodyInit,
  contentType?: string,
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (contentType) headers['content-type'] = contentType;
  const token = caseId ? resumeTokenOf(caseId) : undefined;
  if (token) headers['x-resume-token'] = token;
  const csrf = currentCsrfToken();
  if (method !== 'GET' && csrf) headers['x-csrf-token'] = csrf;
  const response = await fetch(path, { method, headers, body, credentials: 'same-origin' });
  const text = await response.text();
  const parsed = text ? (JSON.parse(text) as unknown) : undefined;
  if (response.ok) return parsed as T;
  const error = (
    parsed as { error?: { code: string; message: string; details?: Record<string, unknown> } } | undefined
  )?.error;
  throw new ApiError(
    response.status,
    error?.code ?? `http_${response.status}`,
    error?.message ?? response.statusText,
    undefined,
    error?.details,
  );
}

export const caseApi = {
  get: <T>(caseId: string) => send<T>('GET', `/api/egov/cases/${caseId}`, caseId),
  json: <T>(method: 'POST' | 'PUT', path: string, caseId: string | null, body: unknown) =>
    caseId
      ? send<T>(method, path, caseId, JSON.stringify(body), 'application/json')
      : apiRequest<T>(method, path, body),
  upload: (caseId: string, field: string, file: File) =>
    send<{ id: string }>(
      'POST',
      `/api/egov/cases/${caseId}/attachments?field=${encodeURIComponent(field)}&name=${encodeURIComponent(file.name)}`,
      caseId,
      file,
      file.type || 'application/octet-stream',
    ),
  /** Files need the token too: fetch them and hand the browser a blob to save. */
  async download(caseId: string, url: string, fileName: string): Promise<void> {
    const token = resumeTokenOf(caseId);
    const response = await fetch(url, {
      headers: token ? { 'x-resume-token': token } : {},
      credentials: 'same-origin',
    });
    if (!response.ok) throw new ApiError(response.status, `http_${response.status}`, response.statusText);
    const blob = await response.blob();
    const link = document.createElement('a');
    link.href = URL.createObjectURL(blob);
    link.download = fileName;
    link.click();
    URL.revokeObjectURL(link.href);
  },
};

export interface CaseView {
  id: string;
  reference: string;
  status: 'draft' | 'received' | 'in_progress' | 'action_required' | 'completed' | 'rejected';
  municipalityId: string;
  serviceId: string;
  serviceName: string;
  feeCents: number;
  /** Opened anonymously while logged in: may be added to the account (POST …/claim). */
  claimable: boolean;
  paymentUrl: string | null;
  /** Submitted; the process is being started, its next steps (e.g. the payment link) follow shortly. */
  processing: boolean;
  submittedAt: string | null;
  form: Record<string, unknown>;
  files: { id: string; kind: 'attachment' | 'receipt' | 'document'; fileName: string; size: number }[];
  messages: {
    id: string;
    sender: 'citizen' | 'staff' | 'system';
    author: string | null;
    body: string;
    createdAt: string;
  }[];
}

export const euro = (cents: number, language: string) =>
  new Intl.NumberFormat(language === 'en' ? 'en-GB' : 'de-DE', { style: 'currency', currency: 'EUR' }).format(
    cents / 100,
  );
