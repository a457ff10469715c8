import type { FastifyInstance } from 'fastify';
import Type from 'typebox';

const Status = Type.Object({
  status: Type.String(),
  checks: Type.Optional(Type.Record(Type.String(), Type.String())),
});

export function registerHealthRoutes(app: FastifyInstance, ping: () => Promise<void>): void {
  app.get(
    '/healthz',
    { schema: { tags: ['operations'], summary: 'Liveness: the process answers', response: { 200: Status } } },
    () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['operations'],
        summary: 'Readiness: the database answers within 2 s',
        response: { 200: Status, 503: Status },
      },
    },
    async (_request, reply) => {
      try {
        await withTimeout(ping(), 2_000);
        return { status: 'ok', checks: { database: 'ok' } };
      } catch (error) {
        return reply
          .status(503)
          .send({ status: 'unavailable', checks: { database: String((error as Error).message) } });
      }
    },
  );
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
