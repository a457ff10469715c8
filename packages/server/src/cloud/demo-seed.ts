// Demo club: TSV Flieden 1920 e.V. with its board member as admin, a member, two groups and a few files,
// so a first start shows the club cloud (web and WebDAV at /dav/files/tsv-flieden/).
import { Readable } from 'node:stream';
import type { AppContext } from '../context.js';
import { systemActor } from '../core/audit/audit.service.js';

export const DEMO_CLUB_SLUG = 'tsv-flieden';

export async function seedDemoClubs(ctx: AppContext): Promise<void> {
  const actor = systemActor('demo seed');
  if (await ctx.clubs.bySlug(DEMO_CLUB_SLUG).catch(() => undefined)) return;
  const board = await ctx.identity.findUserByEmail('vorstand@tsv-flieden.example');
  const member = await ctx.identity.findUserByEmail('mitglied@tsv-flieden.example');
  if (!board || !member) return;
  const flieden = await ctx.tenancy.municipalityBySlug('flieden');
  const applied = await ctx.clubs.apply(
    {
      municipalityId: flieden.id,
      name: 'TSV Flieden 1920 e.V.',
      registerNumber: 'VR 1234 (Amtsgericht Fulda)',
      contactEmail: board.email,
      slug: DEMO_CLUB_SLUG,
    },
    board.id,
    actor,
  );
  const club = await ctx.clubs.decide(applied, true, 'Demo', actor);
  const { token } = await ctx.clubs.invite(club, member.email, 'member', actor);
  await ctx.clubs.acceptInvitation(token, member.id, actor);
  const vorstand = await ctx.clubs.createGroup(
    club,
    { name: 'Vorstand', fileAccess: 'write', mayManageMembers: true },
    actor,
  );
  await ctx.clubs.setGroupMember(club, vorstand.id, board.id, true, actor);
  await ctx.clubs.createGroup(club, { name: 'Jugend', fileAccess: 'write', mayManageMembers: false }, actor);
  const root = await ctx.cloudFiles.root(club);
  const protokolle = await ctx.cloudFiles.createFolder(club, root, 'Protokolle', board.id);
  await ctx.cloudFiles.createFolder(club, root, 'Jugend', board.id);
  const text = (s: string) => Readable.from([Buffer.from(s)]);
  const minutes = 'Protokoll der Jahreshauptversammlung 2026\n\n1. Begrüßung\n2. Berichte\n3. Wahlen\n';
  await ctx.cloudFiles.writeFile(club, protokolle, 'Jahreshauptversammlung-2026.txt', text(minutes), {
    size: Buffer.byteLength(minutes),
    userId: board.id,
  });
  const plan = 'Trainingszeiten\nMontag 18:00 Jugend\nMittwoch 19:30 Herren\n';
  await ctx.cloudFiles.writeFile(club, root, 'Trainingsplan.txt', text(plan), {
    size: Buffer.byteLength(plan),
    userId: board.id,
  });
}
