import { isTsruncError } from '../errors.js';

/** One line for a warning: a TsruncError's message, or any error's. */
export function errorMessage(e: unknown): string {
  if (isTsruncError(e)) return e.message;
  return e instanceof Error ? e.message.split('\n')[0]! : String(e);
}
