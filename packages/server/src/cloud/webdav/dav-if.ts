// The WebDAV If header (RFC 4918 10.4): lists of state tokens and entity tags, optionally tagged with a
// resource, each condition possibly negated. The header is true when any list matches.
import { AppError } from '../../core/errors.js';

export interface IfCondition {
  not: boolean;
  kind: 'token' | 'etag';
  value: string;
}

export interface IfList {
  /** The tagged resource (absolute URL or path), or null for the request URL. */
  resource: string | null;
  conditions: IfCondition[];
}

export const badIf = () => new AppError('dav_bad_if', 400, 'The If header is malformed');

export function parseIfHeader(header: string): IfList[] {
  const lists: IfList[] = [];
  let i = 0;
  let resource: string | null = null;
  const skip = () => {
    while (i < header.length && /\s/.test(header[i]!)) i++;
  };
  const until = (end: string) => {
    const close = header.indexOf(end, i);
    if (close < 0) throw badIf();
    const value = header.slice(i, close);
    i = close + 1;
    return value;
  };
  skip();
  while (i < header.length) {
    const c = header[i];
    if (c === '<') {
      i++;
      resource = until('>');
    } else if (c === '(') {
      i++;
      const conditions: IfCondition[] = [];
      for (;;) {
        skip();
        if (header[i] === ')') {
          i++;
          break;
        }
        let not = false;
        if (header.slice(i, i + 3).toLowerCase() === 'not') {
          not = true;
          i += 3;
          skip();
        }
        if (header[i] === '<') {
          i++;
          conditions.push({ not, kind: 'token', value: until('>') });
        } else if (header[i] === '[') {
          i++;
          conditions.push({ not, kind: 'etag', value: until(']') });
        } else throw badIf();
      }
      if (conditions.length === 0) throw badIf();
      lists.push({ resource, conditions });
    } else throw badIf();
    skip();
  }
  if (lists.length === 0) throw badIf();
  return lists;
}

/** Tokens named (not negated) anywhere in the header: what the client claims to hold. */
export function submittedTokens(lists: IfList[]): string[] {
  return lists.flatMap((l) => l.conditions.filter((c) => c.kind === 'token' && !c.not).map((c) => c.value));
}
