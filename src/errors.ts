/**
 * Errors are values with a stable code, a message that names the file, field or
 * step that is wrong, and a hint that says what to do. The CLI maps them to an
 * exit status and to runc-style log lines; containerd and podman match parts of
 * the message (see README "Error codes"), so the wording of a message is API.
 */
export class TsruncError extends Error {
  override readonly name = 'TsruncError';
  constructor(
    /** Stable code, e.g. EBUNDLE_ROOT, ESTATE, EINIT_MOUNT. */
    readonly code: string,
    /** What is wrong, naming the file, field or step. */
    message: string,
    /** What to do about it; may be empty. */
    readonly hint = '',
  ) {
    super(message);
  }
}

export function isTsruncError(e: unknown): e is TsruncError {
  return e instanceof TsruncError;
}

/** The errno of a Node system error, if it is one (e.g. 'ENOENT'). */
export function errnoCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string'
    ? (e as { code: string }).code
    : undefined;
}
