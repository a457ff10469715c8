// Password reset by e-mail. A request always looks the same from outside (no account enumeration); for an
// active account it stores the SHA-256 of a single-use token and queues a mail with the link, in one
// transaction. Confirming checks the token, sets the password and ends every session and every other
// reset link of the person, again in one transaction.
import type { Config } from '../../config.js';
import type { AuditActor, AuditService } from '../audit/audit.service.js';
import type { Database } from '../db/database.js';
import { Errors } from '../errors.js';
import { IdentityRepository } from '../identity/identity.repository.js';
import type { NotificationService } from '../notifications/index.js';
import { AuthRepository } from './auth.repository.js';
import { throttleMailRequest } from './mail-throttle.js';
import { hashPassword, assertAcceptablePassword } from './passwords.js';
import { passwordResetMail, senderName } from './password-reset.mail.js';
import { newToken, sha256 } from './tokens.js';

export const RESET_TOKEN_VALID_MINUTES = 60;
export const RESET_PAGE_PATH = '/passwort-zuruecksetzen';

export interface ResetContext {
  ip: string;
  requestId: string;
}

export class PasswordResetService {
  private readonly auth: AuthRepository;
  private readonly identity: IdentityRepository;

  constructor(
    private readonly config: Config,
    private readonly db: Database,
    private readonly notifications: NotificationService,
    private readonly audit: AuditService,
  ) {
    this.auth = new AuthRepository(db);
    this.identity = new IdentityRepository(db);
  }

  async request(email: string, context: ResetContext): Promise<void> {
    const normalized = email.trim().toLowerCase();
    await throttleMailRequest(this.auth, 'pwreset', normalized, context.ip);

    const user = await this.identity.findUserByEmail(normalized);
    if (!user || user.status !== 'active') return;

    const token = newToken();
    const requestedAt = new Date();
    const site = new URL(this.config.PUBLIC_URL).host;
    const link = `${this.config.PUBLIC_URL}${RESET_PAGE_PATH}?token=${encodeURIComponent(token)}`;
    const actor: AuditActor = {
      userId: null,
      label: email.slice(0, 320),
      ip: context.ip,
      requestId: context.requestId,
    };
    await this.db.transaction().execute(async (trx) => {
      await new AuthRepository(trx).createResetToken({
        tokenHash: sha256(token),
        userId: user.id,
        expiresAt: new Date(requestedAt.getTime() + RESET_TOKEN_VALID_MINUTES * 60_000),
      });
      await this.notifications.sendEmail(
        passwordResetMail({
          to: user.email,
          displayName: user.display_name,
          locale: user.locale,
          link,
          site,
          signature: senderName(this.config.MAIL_FROM, site),
          requestedAt,
          validMinutes: RESET_TOKEN_VALID_MINUTES,
          hasPassword: user.password_hash !== null,
        }),
        { executor: trx, municipalityId: user.home_municipality_id },
      );
      await this.audit.record(
        actor,
        {
          action: 'auth.password_reset_requested',
          targetType: 'user',
          targetId: user.id,
          municipalityId: user.home_municipality_id,
        },
        trx,
      );
    });
  }

  async confirm(token: string, newPassword: string, context: ResetContext): Promise<void> {
    const tokenHash = sha256(token);
    const userId = await this.auth.findUsableResetToken(tokenHash);
    const user = userId ? await this.identity.findUserById(userId) : undefined;
    if (!user || user.status !== 'active') throw Errors.resetTokenInvalid();
    // Checked before the token is used up, so a rejected password does not cost the person the link.
    assertAcceptablePassword(newPassword, user.email);
    const passwordHash = await hashPassword(newPassword);

    await this.db.transaction().execute(async (trx) => {
      const auth = new AuthRepository(trx);
      // Two confirmations racing for the same link: only one may win.
      if ((await auth.consumeResetToken(tokenHash)) !== user.id) throw Errors.resetTokenInvalid();
      await new IdentityRepository(trx).updateUser(user.id, { passwordHash });
      const otherLinks = await auth.invalidateResetTokensOfUser(user.id);
      await auth.deleteSessionsOfUser(user.id);
      // Whoever locked the account by guessing should not keep its owner out after the reset.
      await auth.clearThrottle(`login:${user.email.toLowerCase()}:${context.ip}`);
      await this.audit.record(
        {
          userId: user.id,
          label: `${user.email} (password reset)`,
          ip: context.ip,
          requestId: context.requestId,
        },
        {
          action: 'auth.password_reset_completed',
          targetType: 'user',
          targetId: user.id,
          municipalityId: user.home_municipality_id,
          details: { otherLinksInvalidated: otherLinks },
        },
        trx,
      );
    });
  }
}
