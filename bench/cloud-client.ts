// The HTTP client of bench/cloud.ts, run as a child process so that sending and reading the bytes does
// not share the event loop of the platform it measures (Apache has its own processes too). Both sides
// get the same client: one request at a time, timed here from the first byte sent to the last received.
import { createReadStream } from 'node:fs';
import http from 'node:http';

export interface ClientRequest {
  id: number;
  url: string;
  method: string;
  headers: Record<string, string>;
  /** A file streamed as the request body. */
  bodyFile?: string;
}

export interface ClientAnswer {
  id: number;
  status: number;
  bytes: number;
  ms: number;
  error?: string;
}

function run(job: ClientRequest): Promise<ClientAnswer> {
  const start = performance.now();
  return new Promise((resolve) => {
    const fail = (error: Error) =>
      resolve({ id: job.id, status: 0, bytes: 0, ms: performance.now() - start, error: error.message });
    const req = http.request(job.url, { method: job.method, headers: job.headers }, (res) => {
      let bytes = 0;
      res.on('data', (d: Buffer) => (bytes += d.length));
      res.on('end', () =>
        resolve({ id: job.id, status: res.statusCode ?? 0, bytes, ms: performance.now() - start }),
      );
      res.on('error', fail);
    });
    req.on('error', fail);
    if (job.bodyFile) createReadStream(job.bodyFile, { highWaterMark: 1024 * 1024 }).pipe(req);
    else req.end();
  });
}

process.on('message', (job: ClientRequest) => {
  void run(job).then((answer) => process.send!(answer));
});
process.on('disconnect', () => process.exit(0));
