/**
 * Compiled filters by content hash: the same profile (podman sends the same one
 * with every container) is compiled once per boot and then costs one file read,
 * without loading koffi or libseccomp. The key covers everything the program
 * depends on: the profile's rules, this compiler's version, the CPU architecture
 * and the libseccomp build (an upgrade may know more syscall names).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeAtomic } from '../fsutil.js';
import { errnoCode, isTsruncError } from '../errors.js';

export const DEFAULT_CACHE_DIR = '/run/tsrunc-cache/seccomp';
/** Bump when the generated program changes for the same input. */
const COMPILER_VERSION = 1;

export interface CachedProgram {
  key: string;
  /** The program in the wire form of struct sock_filter (8 bytes each). */
  program: string;
  warnings: string[];
}

const TRIPLET: Record<string, string> = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu', ppc64: 'powerpc64le-linux-gnu', s390x: 's390x-linux-gnu', riscv64: 'riscv64-linux-gnu' };

/** Which libseccomp.so.2 the dynamic loader will pick, by file identity (no dlopen). */
function libraryIdentity(): string {
  const t = TRIPLET[process.arch] ?? '';
  for (const dir of [`/usr/lib/${t}`, `/lib/${t}`, '/usr/lib64', '/lib64', '/usr/lib', '/lib']) {
    try {
      const real = fs.realpathSync(path.join(dir, 'libseccomp.so.2'));
      const st = fs.statSync(real);
      return `${real}:${st.size}:${st.mtimeMs}`;
    } catch { /* not here */ }
  }
  return 'unknown';
}

/** The cache key of the parts of a profile that shape the program. */
export function cacheKey(rulesJson: string): string {
  return crypto.createHash('sha256')
    .update(`${COMPILER_VERSION}\0${process.arch}\0${libraryIdentity()}\0${rulesJson}`)
    .digest('hex');
}

export function readCached(dir: string, key: string): CachedProgram | undefined {
  try {
    const c = JSON.parse(fs.readFileSync(path.join(dir, `${key}.json`), 'utf8')) as CachedProgram;
    // A file that is not what its name says is ignored and compiled again.
    if (c.key !== key || typeof c.program !== 'string' || !Array.isArray(c.warnings)) return undefined;
    return c;
  } catch {
    return undefined;
  }
}

/** Writes atomically (temp file + rename); a cache that cannot be written is no error. */
export function writeCached(dir: string, entry: CachedProgram): void {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeAtomic(path.join(dir, `${entry.key}.json`), JSON.stringify(entry), 0o600);
  } catch (e) {
    if (errnoCode(e) === undefined && !isTsruncError(e)) throw e;
  }
}
