// Club members and WebDAV requests for the server's cloud tests. Apart from cloud.ts because the JSON test
// client (http.ts) is typed for Node, while the browser tests' project (packages/web) imports cloud.ts too.
import type { AppContext } from '../context.js';
import { systemActor } from '../core/audit/audit.service.js';
import type { Club } from '../core/db/schema.js';
import { createTestUser, TEST_PASSWORD } from './factories.js';
import { loggedInClient, type TestClient } from './http.js';

/** Plain members who joined by invitation, each with a logged-in JSON client. */
export async function addTestMembers<Name extends string>(
  server: { ctx: AppContext; url: string },
  club: Club,
  names: readonly Name[],
): Promise<Record<Name, { id: string; email: string; client: TestClient }>> {
  const actor = systemActor('test');
  const people = {} as Record<Name, { id: string; email: string; client: TestClient }>;
  for (const name of names) {
    const user = await createTestUser(server.ctx.db);
    const { token } = await server.ctx.clubs.invite(club, user.email, 'member', actor);
    await server.ctx.clubs.acceptInvitation(token, user.id, actor);
    people[name] = {
      id: user.id,
      email: user.email,
      client: await loggedInClient(server.url, user.email, TEST_PASSWORD),
    };
  }
  return people;
}

/** What a test passes per WebDAV request: the Authorization header, the method, the path below the club. */
export type DavRequestArgs = [
  auth: string,
  method: string,
  path: string,
  init?: { headers?: Record<string, string>; body?: string | undefined },
];

/** A WebDAV request below the club's files root, as whoever the Authorization header names. */
export function davRequest(
  serverUrl: string,
  club: Club,
  ...[auth, method, path, init = {}]: DavRequestArgs
) {
  return fetch(`${serverUrl}/dav/files/${club.slug}${path}`, {
    method,
    headers: { authorization: auth, ...init.headers },
    body: init.body ?? null,
  });
}
