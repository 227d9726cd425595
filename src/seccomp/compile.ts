/**
 * linux.seccomp → the BPF program the init loads: checked (profile.ts), compiled by
 * libseccomp (loaded only on a cache miss), with runc's -ENOSYS stub in front, and
 * cached by content hash.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TsruncError } from '../errors.js';
import { NR_SCMP_ERROR, SCMP_FLTATR, type Libseccomp } from '../native/libseccomp.js';
import type { LinuxSeccomp } from '../spec/generated/types.js';
import { insnToU64, parseProgram, serializeProgram, type Insn } from './bpf.js';
import { cacheKey, readCached, writeCached } from './cache.js';
import { enosysStub } from './enosys.js';
import { checkProfile, type CheckedProfile } from './profile.js';

/** The kernel's limit on one classic BPF program. */
const BPF_MAXINSNS = 4096;

export interface CompiledSeccomp {
  /** struct sock_filter instructions as u64 (OP_SECCOMP's wire form). */
  program: bigint[];
  /** SECCOMP_FILTER_FLAG_* for seccomp(2). */
  flags: number;
  notify: boolean;
  /** Unknown syscall names skipped, ignored fields. */
  warnings: string[];
  /** Whether this came from the cache (for tests and --debug). */
  cached: boolean;
}

export interface CompileOptions {
  cacheDir: string;
  /** Loads libseccomp; called only on a cache miss. */
  libseccomp: () => Libseccomp;
}

/** SCMP_ARCH_X86_64 → libseccomp's "x86_64". */
export function archName(oci: string): string {
  return oci.replace(/^SCMP_ARCH_/, '').toLowerCase();
}

export function compileSeccomp(profile: LinuxSeccomp, opts: CompileOptions): CompiledSeccomp {
  const checked = checkProfile(profile);
  // The listener and its metadata do not shape the program: leave them out of the key.
  const key = cacheKey(JSON.stringify({ d: checked.defaultAction, s: checked.enosysStub, a: checked.architectures, r: checked.rules },
    (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
  let cached = true;
  let entry = readCached(opts.cacheDir, key);
  if (!entry) {
    cached = false;
    const built = build(checked, opts.libseccomp, opts.cacheDir);
    entry = { key, program: serializeProgram(built.program).toString('base64'), warnings: built.warnings };
    writeCached(opts.cacheDir, entry);
  }
  const program = parseProgram(Buffer.from(entry.program, 'base64')).map(insnToU64);
  return { program, flags: checked.flags, notify: checked.notify, warnings: [...checked.warnings, ...entry.warnings], cached };
}

function loadOrExplain(load: () => Libseccomp): Libseccomp {
  try {
    return load();
  } catch (e) {
    throw new TsruncError('EHOST', `config.json: linux.seccomp: cannot load libseccomp.so.2: ${e instanceof Error ? e.message : String(e)}`,
      'install libseccomp2 (apt-get install libseccomp2), or remove linux.seccomp');
  }
}

function build(p: CheckedProfile, load: () => Libseccomp, cacheDir: string): { program: Insn[]; warnings: string[] } {
  const lib = loadOrExplain(load);
  const warnings: string[] = [];
  const ctx = lib.init(p.defaultAction);
  if (!ctx) throw new TsruncError('EBUNDLE_SECCOMP', 'config.json: linux.seccomp.defaultAction: libseccomp refuses it', 'use another default action');
  try {
    const tokens = p.architectures.map((a, i) => {
      const token = lib.archByName(archName(a));
      if (token === 0) {
        throw new TsruncError('EBUNDLE_SECCOMP', `config.json: linux.seccomp.architectures[${i}]: ${a} is not known to libseccomp ${versionText(lib)}`,
          'remove the architecture, or upgrade libseccomp');
      }
      const rc = ctx.addArch(token);
      if (rc < 0 && rc !== -17 /* EEXIST: the native arch is always there */) {
        throw new TsruncError('EBUNDLE_SECCOMP', `config.json: linux.seccomp.architectures[${i}]: add ${a}: ${errnoText(rc)}`, '');
      }
      return token;
    });
    // libseccomp's binary tree for long rule sets (runc's threshold: more than 32 rules).
    if (p.rules.length > 32) ctx.setAttr(SCMP_FLTATR.CTL_OPTIMIZE, 2);
    const unknown = new Set<string>();
    for (const r of p.rules) {
      const nr = lib.syscallByName(r.name);
      if (nr === NR_SCMP_ERROR) {
        unknown.add(r.name);
        continue;
      }
      const rc = ctx.addRule(r.action, nr, r.args);
      if (rc < 0) {
        throw new TsruncError('EBUNDLE_SECCOMP', `config.json: linux.seccomp.${r.field}: syscall ${r.name}: libseccomp refuses the rule: ${errnoText(rc)}`,
          'check the rule\'s action and argument conditions');
      }
    }
    if (unknown.size > 0) {
      warnings.push(`linux.seccomp: syscalls unknown to libseccomp ${versionText(lib)} skipped: ${[...unknown].join(', ')}`);
    }
    const filter = exportProgram(ctx.exportBpf.bind(ctx), cacheDir);
    let stub: Insn[] = [];
    if (p.enosysStub) {
      const archs = tokens.length > 0 ? tokens : [lib.nativeArch()];
      const last = new Map<number, number>();
      for (const t of archs) {
        let max = -1;
        for (const r of p.rules) max = Math.max(max, lib.syscallByNameArch(t, r.name));
        if (max >= 0) last.set(t, max);
      }
      stub = enosysStub(last);
    }
    const program = [...stub, ...filter];
    if (program.length > BPF_MAXINSNS) {
      throw new TsruncError('EBUNDLE_SECCOMP', `config.json: linux.seccomp: the filter has ${program.length} instructions, more than the kernel's ${BPF_MAXINSNS}`,
        'merge rules: list several names in one rule');
    }
    return { program, warnings };
  } finally {
    ctx.release();
  }
}

/** seccomp_export_bpf writes to an fd (libseccomp 2.5 has no memory export): a private temp file. */
function exportProgram(exportBpf: (fd: number) => number, cacheDir: string): Insn[] {
  let dir = cacheDir;
  try { fs.mkdirSync(dir, { recursive: true, mode: 0o700 }); } catch { dir = os.tmpdir(); }
  const file = path.join(dir, `.export.${process.pid}.${Date.now()}`);
  const fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
  try {
    fs.unlinkSync(file);
    const rc = exportBpf(fd);
    if (rc < 0) throw new TsruncError('EINTERNAL', `seccomp_export_bpf: ${errnoText(rc)}`, 'this is a bug in tsrunc');
    const size = fs.fstatSync(fd).size;
    const buf = Buffer.alloc(size);
    let off = 0;
    while (off < size) off += fs.readSync(fd, buf, off, size - off, off);
    return parseProgram(buf);
  } finally {
    fs.closeSync(fd);
  }
}

function versionText(lib: Libseccomp): string {
  return `${lib.version.major}.${lib.version.minor}.${lib.version.micro}`;
}

function errnoText(rc: number): string {
  const name = Object.entries(os.constants.errno).find(([, n]) => n === -rc)?.[0];
  return name ?? `error ${rc}`;
}
