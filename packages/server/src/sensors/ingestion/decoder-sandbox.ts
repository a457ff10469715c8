// Runs payload decoders (JavaScript with the LoRaWAN codec signature `decodeUplink(input)`) inside
// QuickJS compiled to WebAssembly. The sandbox has no host objects at all: no network, no file system, no
// timers, no `require`. Each run gets a fresh runtime with a memory limit and a deadline, so an endless
// loop or a memory blow-up ends that run with an error and nothing else.
//
// QuickJS checks its deadline only between bytecodes, and close to its memory limit a single native call
// can stall for seconds in garbage collection. So runs happen in a worker thread, one at a time, and a
// worker that misses a hard deadline is terminated and replaced: the event loop of the server never
// waits for a decoder.
import { Worker } from 'node:worker_threads';
import { getQuickJS, type QuickJSWASMModule } from 'quickjs-emscripten';

export interface DecoderInput {
  bytes: number[];
  fPort: number;
  recvTime?: string;
}

export interface DecoderOutput {
  data: Record<string, unknown>;
  warnings: string[];
  errors: string[];
}

export type DecoderFailure =
  'decoder_threw' | 'decoder_timeout' | 'decoder_memory' | 'decoder_invalid_output';

export class DecoderError extends Error {
  constructor(
    readonly reason: DecoderFailure,
    message: string,
  ) {
    super(message);
    this.name = 'DecoderError';
  }
}

export interface SandboxLimits {
  timeoutMs: number;
  memoryBytes: number;
}

export const DEFAULT_LIMITS: SandboxLimits = { timeoutMs: 250, memoryBytes: 16 * 1024 * 1024 };
const MAX_OUTPUT_CHARS = 64 * 1024;
const MAX_CODE_CHARS = 256 * 1024;

let quickJs: Promise<QuickJSWASMModule> | undefined;
const loadQuickJs = () => (quickJs ??= getQuickJS());

/** Runs `decodeUplink(input)` in a worker thread; throws DecoderError on every failure. */
export function runDecoder(
  code: string,
  input: DecoderInput,
  limits: SandboxLimits = DEFAULT_LIMITS,
): Promise<DecoderOutput> {
  pool ??= new DecoderPool();
  return pool.run(code, input, limits);
}

/**
 * Extra time past the QuickJS deadline before the worker is terminated. QuickJS's own deadline ends
 * ordinary endless loops; this backstop is for a run stuck in one native call, and generous enough that a
 * busy machine does not kill healthy runs.
 */
const HARD_DEADLINE_GRACE_MS = 3_000;

interface WorkerAnswer {
  ready?: true;
  output?: DecoderOutput;
  failure?: { reason: DecoderFailure; message: string };
}

let pool: DecoderPool | undefined;

/** The build has decoder-worker.js beside this module; from source (tsx, tests) the worker loads tsx. */
function startWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./decoder-worker.js', import.meta.url));
  const entry = new URL('./decoder-worker.ts', import.meta.url).href;
  return new Worker(
    `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`,
    { eval: true },
  );
}

class DecoderPool {
  private worker: Worker | null = null;
  private ready: Promise<Worker> | null = null;
  private tail: Promise<unknown> = Promise.resolve();

  run(code: string, input: DecoderInput, limits: SandboxLimits): Promise<DecoderOutput> {
    const job = this.tail.then(() => this.runOne(code, input, limits));
    this.tail = job.catch(() => undefined);
    return job;
  }

  private start(): Promise<Worker> {
    this.ready ??= new Promise<Worker>((resolve, reject) => {
      const worker = startWorker();
      worker.unref();
      this.worker = worker;
      worker.once('message', () => resolve(worker));
      worker.once('error', (error) => {
        this.discard(worker);
        reject(error);
      });
      worker.once('exit', () => this.discard(worker));
    });
    return this.ready;
  }

  private discard(worker: Worker): void {
    if (this.worker !== worker) return;
    this.worker = null;
    this.ready = null;
    void worker.terminate();
  }

  private async runOne(code: string, input: DecoderInput, limits: SandboxLimits): Promise<DecoderOutput> {
    const worker = await this.start();
    return new Promise<DecoderOutput>((resolve, reject) => {
      const timer = setTimeout(
        () => {
          worker.off('message', onMessage);
          this.discard(worker);
          reject(new DecoderError('decoder_timeout', 'decoder ran longer than allowed and was stopped'));
        },
        2 * limits.timeoutMs + HARD_DEADLINE_GRACE_MS,
      );
      const onMessage = (answer: WorkerAnswer) => {
        clearTimeout(timer);
        if (answer.output) resolve(answer.output);
        else reject(new DecoderError(answer.failure!.reason, answer.failure!.message));
      };
      worker.once('message', onMessage);
      worker.postMessage({ code, input, limits });
    });
  }
}

/** Runs `decodeUplink(input)` from `code` in a fresh sandbox in this thread (the worker's side). */
export async function runDecoderInline(
  code: string,
  input: DecoderInput,
  limits: SandboxLimits = DEFAULT_LIMITS,
): Promise<DecoderOutput> {
  if (code.length > MAX_CODE_CHARS) throw new DecoderError('decoder_threw', 'decoder code is too large');
  const module = await loadQuickJs();
  const runtime = module.newRuntime();
  try {
    runtime.setMemoryLimit(limits.memoryBytes);
    runtime.setMaxStackSize(256 * 1024);
    const deadline = Date.now() + limits.timeoutMs;
    let interrupted = false;
    runtime.setInterruptHandler(() => (interrupted ||= Date.now() > deadline));
    const vm = runtime.newContext();
    try {
      // The input goes in as a JSON literal, the result comes out as a JSON string: no host values cross.
      const program = `${code}\n;(function () {\n  var result = decodeUplink(${JSON.stringify(input)});\n  return JSON.stringify(result === undefined ? null : result);\n})()`;
      const result = vm.evalCode(program, 'decoder.js');
      if (result.error) {
        const failure: unknown = vm.dump(result.error);
        result.error.dispose();
        throw classify(failure, interrupted);
      }
      const text: unknown = vm.dump(result.value);
      result.value.dispose();
      return validateOutput(text);
    } finally {
      vm.dispose();
    }
  } catch (error) {
    if (error instanceof DecoderError) throw error;
    // QuickJS itself may fail when the memory limit hits at an awkward moment.
    throw new DecoderError('decoder_memory', `decoder aborted: ${String(error)}`);
  } finally {
    try {
      runtime.dispose();
    } catch {
      // A runtime that ran out of memory may leak its last objects; it is discarded anyway.
    }
  }
}

function classify(failure: unknown, interrupted: boolean): DecoderError {
  const message =
    failure && typeof failure === 'object' && 'message' in failure
      ? String(failure.message)
      : String(failure);
  if (interrupted || message === 'interrupted')
    return new DecoderError('decoder_timeout', 'decoder ran longer than allowed and was stopped');
  if (/out of memory/i.test(message))
    return new DecoderError('decoder_memory', 'decoder exceeded its memory limit');
  if (/stack overflow/i.test(message))
    return new DecoderError('decoder_memory', 'decoder exceeded its stack limit');
  return new DecoderError('decoder_threw', `decoder threw: ${message.slice(0, 300)}`);
}

function validateOutput(text: unknown): DecoderOutput {
  if (typeof text !== 'string' || text.length > MAX_OUTPUT_CHARS)
    throw new DecoderError('decoder_invalid_output', 'decoder returned no JSON result or a too large one');
  const parsed: unknown = JSON.parse(text);
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new DecoderError('decoder_invalid_output', 'decodeUplink must return { data, warnings, errors }');
  const { data, warnings, errors } = parsed as Record<string, unknown>;
  const strings = (value: unknown) =>
    Array.isArray(value) ? value.map((v) => String(v).slice(0, 300)) : value === undefined ? [] : null;
  const w = strings(warnings);
  const e = strings(errors);
  if (w === null || e === null)
    throw new DecoderError('decoder_invalid_output', 'warnings and errors must be arrays of strings');
  if (e.length > 0) throw new DecoderError('decoder_threw', `decoder reported: ${e.join('; ')}`);
  if (!data || typeof data !== 'object' || Array.isArray(data))
    throw new DecoderError('decoder_invalid_output', 'decodeUplink returned no data object');
  return { data: data as Record<string, unknown>, warnings: w, errors: e };
}
