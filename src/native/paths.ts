import fs from 'node:fs';
import path from 'node:path';

/**
 * Where the built C side lives: native/build next to dist/ of this installation.
 * Found from the running script (never from PATH: engines call tsrunc with an empty
 * environment); TSRUNC_NATIVE_DIR overrides it for tests that import modules directly.
 */
export function nativeDir(): string {
  const override = process.env['TSRUNC_NATIVE_DIR'];
  if (override) return override;
  const script = fs.realpathSync(process.argv[1] ?? '.');
  return path.resolve(path.dirname(script), '..', 'native', 'build');
}

/** The init executable: the container's init, and the runner of tsrunc's own hooks. */
export function initPath(): string {
  return path.join(nativeDir(), 'tsrunc-init');
}
