// How many HTTP requests are being worked on right now, for background work that should give way to
// them (the job worker, core/jobs/job-worker.ts `yieldTo`). A request counts from its arrival until its
// answer starts: a streamed answer (live updates, downloads) no longer counts once it is under way,
// since it then waits on the client, not on this process.
import type { FastifyInstance, FastifyReply } from 'fastify';

export class RequestsInFlight {
  #count = 0;
  readonly #counted = new WeakSet<FastifyReply>();

  get count(): number {
    return this.#count;
  }

  register(app: FastifyInstance): void {
    const release = (reply: FastifyReply) => {
      if (this.#counted.delete(reply)) this.#count--;
    };
    app.addHook('onRequest', (_request, reply, done) => {
      this.#counted.add(reply);
      this.#count++;
      // Also when no hook below runs: a hijacked reply, a connection that drops.
      reply.raw.once('close', () => release(reply));
      done();
    });
    app.addHook('onSend', (_request, reply, payload, done) => {
      release(reply);
      done(null, payload);
    });
  }
}
