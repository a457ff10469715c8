// Load generator for the HTTP bulk ingestion figure, run as a child process of sensors.ts so that load
// generation does not share the server's event loop. Each client writes its own Datastreams (as real
// gateways do), 1-minute values moving forward in time, `concurrency` requests in flight.
interface Job {
  url: string;
  apiKey: string;
  datastreamIds: number[];
  streamsPerRequest: number;
  valuesPerStream: number;
  concurrency: number;
  durationMs: number;
  startMs: number;
}

process.on('message', (job: Job) => {
  void run(job).then((result) => {
    process.send!(result);
    process.disconnect();
  });
});

async function run(job: Job) {
  let cursor = 0;
  let minute = 0;
  // The streams of one request share their 500 minutes: format each time once (the load generator
  // shares the two cores with the server it measures).
  const times = new Map<number, string>();
  const isoMinute = (m: number) => {
    let t = times.get(m);
    if (t === undefined) {
      if (times.size > 10_000) times.clear();
      t = new Date(job.startMs + m * 60_000).toISOString();
      times.set(m, t);
    }
    return t;
  };
  const nextBody = () => {
    const streams = [];
    for (let s = 0; s < job.streamsPerRequest; s++) {
      const id = job.datastreamIds[cursor++ % job.datastreamIds.length]!;
      const values: string[] = [];
      for (let v = 0; v < job.valuesPerStream; v++) {
        const t = isoMinute(minute + v);
        values.push(`["${t}",${(Math.sin(minute + v) * 20 + (id % 7)).toFixed(3)}]`);
      }
      streams.push(`{"id":${id},"observations":[${values.join(',')}]}`);
    }
    if (cursor % job.datastreamIds.length < job.streamsPerRequest) minute += job.valuesPerStream;
    return `{"datastreams":[${streams.join(',')}]}`;
  };
  let stored = 0;
  let requests = 0;
  let errors = 0;
  let lastError = '';
  const started = performance.now();
  const deadline = started + job.durationMs;
  const worker = async () => {
    while (performance.now() < deadline) {
      const res = await fetch(`${job.url}/api/sensors/observations:bulk`, {
        method: 'POST',
        headers: { authorization: `Bearer ${job.apiKey}`, 'content-type': 'application/json' },
        body: nextBody(),
      });
      const text = await res.text();
      requests++;
      if (res.status === 200) stored += (JSON.parse(text) as { stored: number }).stored;
      else {
        errors++;
        lastError = `${res.status} ${text.slice(0, 200)}`;
      }
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, worker));
  return { stored, requests, errors, lastError, elapsedMs: performance.now() - started };
}
