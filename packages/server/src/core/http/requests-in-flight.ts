// How many HTTP requests are being worked on right now, for background work that should give way to
// them (the job worker, core/jobs/job-worker.ts `yieldTo`). A request counts from its arrival until its
// response headers are out: a streamed answer (live updates, also a hijacked one, downloads) no longer
// counts once it is under way, since it then waits on the client, not on this process.
import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';

export class RequestsInFlight {
  readonly #waiting = new Set<ServerResponse>();

  get count(): number {
    for (const response of this.#waiting) if (response.headersSent) this.#waiting.delete(response);
    return this.#waiting.size;
  }

  register(app: FastifyInstance): void {
    app.addHook('onRequest', (_request, reply, done) => {
      const response = reply.raw;
      this.#waiting.add(response);
      // A connection that drops before an answer.
      response.once('close', () => this.#waiting.delete(response));
      done();
    });
  }
}
