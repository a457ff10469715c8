// Runs payload decoders (JavaScript with the LoRaWAN codec signature `decodeUplink(input)`) inside
// QuickJS compiled to WebAssembly. The sandbox has no host objects at all: no network, no file system, no
// timers, no `require`. Each run gets a fresh runtime with a memory limit and a deadline, so an endless
// loop or a memory blow-up ends that run with an error and nothing else.
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

/** Runs `decodeUplink(input)` from `code` in a fresh sandbox; throws DecoderError on every failure. */
export async function runDecoder(
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
      ? String((failure as { message: unknown }).message)
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
