// Time-limited TURN credentials in coturn's REST API scheme ("use-auth-secret"): the username is
// "<expiry unix seconds>:<user>", the password base64(HMAC-SHA1(shared secret, username)). coturn checks
// both without asking us, so the secret is all the TURN server and the platform share.
import { createHmac } from 'node:crypto';

export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

export function turnCredentials(
  secret: string,
  user: string,
  ttlSeconds: number,
  now: Date = new Date(),
): { username: string; credential: string; expiresAt: Date } {
  const expiry = Math.floor(now.getTime() / 1000) + ttlSeconds;
  const username = `${expiry}:${user}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential, expiresAt: new Date(expiry * 1000) };
}

/** The ICE servers one participant gets: STUN as configured, TURN with fresh credentials. */
export function iceServersFor(
  options: { urls: string[]; secret: string | undefined; ttlSeconds: number },
  user: string,
  now: Date = new Date(),
): IceServer[] {
  const stun = options.urls.filter((url) => url.startsWith('stun:') || url.startsWith('stuns:'));
  const turn = options.urls.filter((url) => url.startsWith('turn:') || url.startsWith('turns:'));
  const servers: IceServer[] = [];
  if (stun.length > 0) servers.push({ urls: stun });
  if (turn.length > 0 && options.secret) {
    const { username, credential } = turnCredentials(options.secret, user, options.ttlSeconds, now);
    servers.push({ urls: turn, username, credential });
  }
  return servers;
}
