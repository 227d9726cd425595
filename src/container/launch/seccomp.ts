/** linux.seccomp of a spec, compiled (or taken from the cache) before any side effect. */
import { loadLibseccomp } from '../../native/libseccomp.js';
import { DEFAULT_CACHE_DIR } from '../../seccomp/cache.js';
import { compileSeccomp, type CompiledSeccomp } from '../../seccomp/compile.js';
import type { Spec } from '../../plan/types.js';

export function compileProfile(spec: Spec): CompiledSeccomp | undefined {
  const profile = spec.linux?.seccomp;
  if (!profile) return undefined;
  return compileSeccomp(profile, { cacheDir: DEFAULT_CACHE_DIR, libseccomp: loadLibseccomp });
}
