// The password policy, shared so the web app can tell people at once what the server will refuse.
// Lengths count UTF-16 code units, as JavaScript strings and the server do.

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;
export const PASSWORD_MIN_DIFFERENT_CHARACTERS = 5;

export type PasswordProblem = 'too_short' | 'too_long' | 'contains_email' | 'too_few_different';

/** What is wrong with a new password, as stable codes; empty when acceptable. */
export function passwordProblems(password: string, email?: string): PasswordProblem[] {
  const problems: PasswordProblem[] = [];
  if (password.length < PASSWORD_MIN_LENGTH) problems.push('too_short');
  if (password.length > PASSWORD_MAX_LENGTH) problems.push('too_long');
  const localPart = email?.split('@')[0]?.toLowerCase();
  if (localPart && localPart.length >= 3 && password.toLowerCase().includes(localPart))
    problems.push('contains_email');
  if (new Set(password).size < PASSWORD_MIN_DIFFERENT_CHARACTERS) problems.push('too_few_different');
  return problems;
}
