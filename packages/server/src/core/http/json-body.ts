// Strict JSON bodies: invalid UTF-8 and NUL characters (which PostgreSQL cannot store in text) are a 400,
// and prototype-poisoning keys are refused by Fastify's own secure parser.
import type { FastifyInstance } from 'fastify';
import { Errors } from '../errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

function containsNul(value: unknown, depth = 0): boolean {
  if (depth > 64) return false;
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some((v) => containsNul(v, depth + 1));
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value))
      if (k.includes('\u0000') || containsNul(v, depth + 1)) return true;
  }
  return false;
}

export function registerStrictJson(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(
    /^application\/([\w.+-]+\+)?json$/,
    { parseAs: 'buffer' },
    (request, body: Buffer, done) => {
      let text: string;
      try {
        text = utf8.decode(body);
      } catch {
        done(Errors.badRequest('Body is not valid UTF-8'), undefined);
        return;
      }
      if (text.trim() === '') {
        done(Errors.badRequest('Body must not be empty'), undefined);
        return;
      }
      void parseJson(request, text, (error, parsed) => {
        if (error) return done(Errors.badRequest('Malformed JSON'), undefined);
        if (containsNul(parsed))
          return done(Errors.badRequest('Text must not contain NUL characters'), undefined);
        done(null, parsed);
      });
    },
  );
}
