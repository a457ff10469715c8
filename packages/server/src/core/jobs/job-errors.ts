// Errors a handler can throw to steer the worker, and the ones the worker records itself.

/** Retrying cannot help (invalid payload, the receiver said the resource is gone): the job goes to dead. */
export class PermanentJobError extends Error {
  readonly permanent = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentJobError';
  }
}

export class JobTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`Handler did not finish within ${timeoutMs} ms`);
    this.name = 'JobTimeoutError';
  }
}

/** Also true for a PermanentJobError from another copy of this module (duplicate installs). */
export function isPermanentJobError(error: unknown): boolean {
  return (
    error instanceof PermanentJobError ||
    (error instanceof Error && (error as Error & { permanent?: unknown }).permanent === true)
  );
}

const MAX_ERROR_LENGTH = 4000;

/** One line per error in the cause chain, for jobs.last_error (read by admins, so no stack traces). */
export function describeJobError(error: unknown): string {
  const lines: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    if (current instanceof Error) {
      const code = (current as Error & { code?: unknown }).code;
      lines.push(`${current.name}${typeof code === 'string' ? ` [${code}]` : ''}: ${current.message}`);
      current = current.cause;
    } else {
      lines.push(typeof current === 'string' ? current : (JSON.stringify(current) ?? typeof current));
      current = undefined;
    }
  }
  const text = lines.join('\ncaused by ');
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH)}…` : text;
}
