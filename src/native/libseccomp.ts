/**
 * koffi bindings of libseccomp.so.2: the only file that declares its functions.
 * Loaded on first use, only when a container has linux.seccomp (and the profile is
 * not in the cache) or for `tsrunc features`. Only the compiler side is used:
 * filters are exported as BPF and loaded by the init, which never links libseccomp.
 */

/** An scmp_arg_cmp of seccomp.h. */
export interface ArgCmp {
  arg: number;
  op: number;
  datumA: bigint;
  datumB: bigint;
}

/** A filter context; release() it when done. */
export interface FilterCtx {
  addArch(token: number): number;
  /** seccomp_attr_set; returns 0 or -errno. */
  setAttr(attr: number, value: number): number;
  /** seccomp_rule_add_array; returns 0 or -errno. */
  addRule(action: number, syscall: number, args: readonly ArgCmp[]): number;
  /** seccomp_export_bpf to an open fd; returns 0 or -errno. */
  exportBpf(fd: number): number;
  release(): void;
}

export interface Libseccomp {
  version: { major: number; minor: number; micro: number };
  /** seccomp_api_get(): the API level this library and kernel support together. */
  apiLevel(): number;
  /** seccomp_init; undefined when libseccomp refuses the default action. */
  init(defaultAction: number): FilterCtx | undefined;
  /** An architecture token by libseccomp's name ("x86_64"), 0 when unknown. */
  archByName(name: string): number;
  nativeArch(): number;
  /** The syscall number on the native arch: negative pseudo numbers for syscalls of
   * other arches, -1 (__NR_SCMP_ERROR) when the name is unknown. */
  syscallByName(name: string): number;
  /** The syscall number on one arch (negative when it has no such syscall). */
  syscallByNameArch(arch: number, name: string): number;
}

export const NR_SCMP_ERROR = -1;
/** seccomp.h enum scmp_filter_attr. */
export const SCMP_FLTATR = { CTL_NNP: 3, CTL_TSYNC: 4, CTL_LOG: 6, CTL_SSB: 7, CTL_OPTIMIZE: 8 } as const;

/** Loads libseccomp.so.2, or throws an Error saying why. */
export function loadLibseccomp(): Libseccomp {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const koffi = require('koffi') as typeof import('koffi');
  const lib = koffi.load('libseccomp.so.2');
  // Anonymous types: koffi's type names are process-wide, and this may load twice.
  const argCmp = koffi.struct({ arg: 'uint32_t', op: 'int', datum_a: 'uint64_t', datum_b: 'uint64_t' });
  const versionT = koffi.struct({ major: 'uint32_t', minor: 'uint32_t', micro: 'uint32_t' });
  const ctxT = koffi.pointer(koffi.opaque());
  const fn = {
    version: lib.func('seccomp_version', koffi.pointer(versionT), []),
    apiGet: lib.func('seccomp_api_get', 'uint32_t', []),
    init: lib.func('seccomp_init', ctxT, ['uint32_t']),
    release: lib.func('seccomp_release', 'void', [ctxT]),
    archAdd: lib.func('seccomp_arch_add', 'int', [ctxT, 'uint32_t']),
    archResolve: lib.func('seccomp_arch_resolve_name', 'uint32_t', ['const char *']),
    archNative: lib.func('seccomp_arch_native', 'uint32_t', []),
    attrSet: lib.func('seccomp_attr_set', 'int', [ctxT, 'int', 'uint32_t']),
    resolve: lib.func('seccomp_syscall_resolve_name', 'int', ['const char *']),
    resolveArch: lib.func('seccomp_syscall_resolve_name_arch', 'int', ['uint32_t', 'const char *']),
    ruleAdd: lib.func('seccomp_rule_add_array', 'int', [ctxT, 'uint32_t', 'int', 'uint32_t', koffi.pointer(argCmp)]),
    exportBpf: lib.func('seccomp_export_bpf', 'int', [ctxT, 'int']),
  };
  const v = koffi.decode(fn.version(), versionT) as { major: number; minor: number; micro: number };
  return {
    version: { major: v.major, minor: v.minor, micro: v.micro },
    apiLevel: () => fn.apiGet() as number,
    init(defaultAction) {
      const ctx = fn.init(defaultAction >>> 0);
      if (!ctx) return undefined;
      let live = true;
      return {
        addArch: (token) => fn.archAdd(ctx, token >>> 0) as number,
        setAttr: (attr, value) => fn.attrSet(ctx, attr, value >>> 0) as number,
        addRule: (action, syscall, args) => fn.ruleAdd(ctx, action >>> 0, syscall, args.length,
          args.length ? args.map((a) => ({ arg: a.arg, op: a.op, datum_a: a.datumA, datum_b: a.datumB })) : null) as number,
        exportBpf: (fd) => fn.exportBpf(ctx, fd) as number,
        release() {
          if (live) fn.release(ctx);
          live = false;
        },
      };
    },
    archByName: (name) => fn.archResolve(name) as number,
    nativeArch: () => fn.archNative() as number,
    syscallByName: (name) => fn.resolve(name) as number,
    syscallByNameArch: (arch, name) => fn.resolveArch(arch >>> 0, name) as number,
  };
}
