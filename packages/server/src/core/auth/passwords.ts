// Password hashing with argon2id (OWASP's recommended parameters: 19 MiB, 2 iterations, 1 lane).
import { hash, verify } from '@node-rs/argon2';
import {
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  passwordProblems,
  type PasswordProblem,
} from '@srp/contracts';
import { Errors } from '../errors.js';

const ARGON2ID = 2; // Algorithm.Argon2id (a const enum, not importable under verbatimModuleSyntax)

const OPTIONS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

// Verified against when the account does not exist, so a wrong e-mail costs the same time as a wrong password.
let dummyHash: Promise<string> | undefined;
export async function burnVerification(password: string): Promise<void> {
  dummyHash ??= hashPassword('not-a-real-password-but-same-cost');
  await verifyPassword(await dummyHash, password);
}

const PROBLEM_TEXT: Record<PasswordProblem, string> = {
  too_short: `at least ${PASSWORD_MIN_LENGTH} characters`,
  too_long: `at most ${PASSWORD_MAX_LENGTH} characters`,
  contains_email: 'must not contain the e-mail name',
  too_few_different: 'too few different characters',
};

/** Refuses a new password that breaks the shared policy; `details.problems` carries the stable codes. */
export function assertAcceptablePassword(password: string, email?: string): void {
  const problems = passwordProblems(password, email);
  if (problems.length > 0) {
    throw Errors.validation(`Password: ${problems.map((p) => PROBLEM_TEXT[p]).join(', ')}`, { problems });
  }
}
