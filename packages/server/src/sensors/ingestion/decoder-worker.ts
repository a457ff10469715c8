// The decoder sandbox's worker thread: loads QuickJS once, then runs one decoder per message.
import { parentPort } from 'node:worker_threads';
import { DecoderError, runDecoderInline, type DecoderInput, type SandboxLimits } from './decoder-sandbox.js';

const port = parentPort!;
await runDecoderInline('function decodeUplink() { return { data: {} }; }', { bytes: [], fPort: 0 });
port.on('message', (job: { code: string; input: DecoderInput; limits: SandboxLimits }) => {
  runDecoderInline(job.code, job.input, job.limits).then(
    (output) => port.postMessage({ output }),
    (error: unknown) =>
      port.postMessage({
        failure:
          error instanceof DecoderError
            ? { reason: error.reason, message: error.message }
            : { reason: 'decoder_threw', message: String(error) },
      }),
  );
});
port.postMessage({ ready: true });
