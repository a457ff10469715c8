// The one audit log of the platform: who did what, when, in which municipality. Every domain records its
// writes that touch personal data or permissions here, in the same transaction as the write itself.
import type { Database } from '../db/database.js';
import type { Principal } from '../auth/principal.js';
import type { AuditRepository } from './audit.repository.js';
import { type AuditEntry, type AuditQuery } from './audit.repository.js';

export interface AuditActor {
  userId: string | null;
  label: string;
  ip: string | null;
  requestId: string | null;
}

export const systemActor = (label = 'system'): AuditActor => ({
  userId: null,
  label,
  ip: null,
  requestId: null,
});

export function actorOf(principal: Principal | null, request?: { ip: string; id: string }): AuditActor {
  return {
    userId: principal?.userId ?? null,
    label: principal ? `${principal.email} (${principal.method})` : 'anonymous',
    ip: request?.ip ?? null,
    requestId: request?.id ?? null,
  };
}

export interface AuditEvent {
  action: string;
  targetType: string;
  targetId?: string | null;
  municipalityId?: string | null;
  details?: Record<string, unknown>;
}

export class AuditService {
  constructor(private readonly repository: AuditRepository) {}

  async record(actor: AuditActor, event: AuditEvent, executor?: Database): Promise<void> {
    await this.repository.insert(
      {
        actor_user_id: actor.userId,
        actor_label: actor.label,
        municipality_id: event.municipalityId ?? null,
        action: event.action,
        target_type: event.targetType,
        target_id: event.targetId ?? null,
        details: JSON.stringify(event.details ?? {}),
        ip: actor.ip,
        request_id: actor.requestId,
      },
      executor,
    );
  }

  list(query: AuditQuery): Promise<AuditEntry[]> {
    return this.repository.list(query);
  }
}
