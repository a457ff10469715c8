// The one way the HTTP adapters (JSON API, tus, links, shares) check file rights: the club first (a
// club one cannot see is not found), then the node through FileAccessView. A node one may not read is
// not found either, so its existence does not leak; one that may only be read answers 403 to writes.
import type { AppContext } from '../../context.js';
import type { CloudNode, FileAccess } from '../../core/db/schema.js';
import { Errors } from '../../core/errors.js';
import type { FileAccessView } from './access.js';

export async function clubFiles(ctx: AppContext, userId: string, clubId: string) {
  const club = await ctx.clubs.get(clubId);
  const membership = await ctx.clubs.membership(club.id, userId);
  const view = await ctx.cloudFiles.accessFor(club, userId, membership);
  if (!view.opensClub) throw Errors.notFound('Club');
  return { club, membership, view };
}

/** The right on the node, at least `needed` (404 without read, 403 without a needed write). */
export async function authorizeNode(
  view: FileAccessView,
  node: CloudNode,
  needed: Exclude<FileAccess, 'none'>,
): Promise<FileAccess> {
  const access = await view.of(node);
  if (access === 'none') throw Errors.notFound('File');
  if (needed === 'write' && access !== 'write') throw Errors.forbidden('You may only read these files');
  return access;
}

/** Deleting or moving a folder must not carry away what others shared and the person may not change. */
export function assertNothingProtectedBelow(view: FileAccessView, node: CloudNode): void {
  if (view.protectedBelow(node.id))
    throw Errors.forbidden('The folder contains shared items you may not change');
}
