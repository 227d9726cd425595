/**
 * The eBPF process collector's life cycle, with no daemon: `create` ensures it is loaded
 * and pinned under <pin base>/<version>/ (version = hash of the object file), where the
 * pinned links keep it attached after tsrunc exits; every later command only opens the
 * pinned maps. A flock on the pin base serialises loaders, and the versioned directory is
 * published by one rename, so the programs are never attached twice by tsrunc.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { liveCgroupIds } from '../cgroups/live-ids.js';
import { TsruncError } from '../errors.js';
import { LOCK_EX, helper } from '../native/helper.js';
import { type BpfPtr, type Libbpf, loadLibbpf } from '../native/libbpf.js';
import { nativeDir } from '../native/paths.js';
import { ensureBpffs, pinBase } from './bpffs.js';
import { CG_STATS_SIZE, type ProcCounters, decodeCounters, u64Key } from './counters.js';

export const OBJECT_FILE = 'tsrunc-procstat.bpf.o';
const EVENTS = ['fork', 'exec', 'exit'] as const;
const MAPS = ['cg_stats', 'cg_watch', 'cg_meta'] as const;
const PINS = [...EVENTS.map((e) => `link_${e}`), ...MAPS];
/** The two program flavours in the object, best first: typed tp_btf, then raw_tp. */
const FLAVOURS = [{ name: 'tp_btf', suffix: 'btf' }, { name: 'raw_tp', suffix: 'raw' }] as const;
export type Flavour = (typeof FLAVOURS)[number]['name'];

/** The pinned collector, opened: its maps by fd. close() when done. */
export interface Collector {
  dir: string;
  /** Date.now() when it was loaded: a change means the counters restarted (reboot, bpffs unmounted). */
  loadedAtMs: number;
  flavour?: Flavour;
  counters(id: bigint): ProcCounters | undefined;
  /** Starts counting for a container's cgroup (and the cgroups below it). */
  register(id: bigint): void;
  /** Stops counting and forgets the counters. */
  unregister(id: bigint): void;
  /** Ids of every registered cgroup. */
  watched(): bigint[];
  close(): void;
}

function bpfError(step: string, lib: Libbpf, err: number): TsruncError {
  return new TsruncError('EBPF_LOAD', `eBPF collector: ${step}: ${lib.strerror(err)} (${err})`, 'the kernel needs BTF (/sys/kernel/btf/vmlinux) and CAP_BPF+CAP_PERFMON or CAP_SYS_ADMIN');
}

function objectPath(): string {
  return path.join(nativeDir(), OBJECT_FILE);
}

/** The pin directory of this build of the collector. */
export function versionDir(base = pinBase()): string {
  const hash = crypto.createHash('sha256').update(fs.readFileSync(objectPath())).digest('hex').slice(0, 16);
  return path.join(base, hash);
}

function complete(dir: string): boolean {
  return PINS.every((p) => fs.existsSync(path.join(dir, p)));
}

/** Opens the pinned collector, or undefined when it is not loaded (never loads it). */
export function openCollector(base = pinBase()): Collector | undefined {
  let dir: string;
  try {
    dir = versionDir(base);
  } catch {
    return undefined; // built without the collector
  }
  if (!complete(dir)) return undefined;
  const lib = loadLibbpf();
  const fds: Record<string, number> = {};
  try {
    for (const m of MAPS) {
      const fd = lib.objGet(path.join(dir, m));
      if (fd < 0) throw bpfError(`open ${path.join(dir, m)}`, lib, fd);
      fds[m] = fd;
    }
  } catch (e) {
    Object.values(fds).forEach((fd) => fs.closeSync(fd));
    throw e;
  }
  // bpffs holds no regular files: the flavour is the name of an empty directory.
  const flavour = FLAVOURS.find((f) => fs.existsSync(path.join(dir, `flavour-${f.name}`)))?.name;
  const meta = Buffer.alloc(8);
  lib.lookup(fds['cg_meta']!, Buffer.alloc(4), meta);
  const one = Buffer.alloc(8);
  one.writeBigUInt64LE(1n);
  return {
    dir,
    loadedAtMs: Number(meta.readBigUInt64LE()),
    ...(flavour ? { flavour } : {}),
    counters(id) {
      const v = Buffer.alloc(CG_STATS_SIZE);
      return lib.lookup(fds['cg_stats']!, u64Key(id), v) === 0 ? decodeCounters(v) : undefined;
    },
    register(id) {
      const key = u64Key(id);
      // Counters first: the program only counts once the id is watched.
      let r = lib.update(fds['cg_stats']!, key, Buffer.alloc(CG_STATS_SIZE), 0);
      if (r === 0) r = lib.update(fds['cg_watch']!, key, one, 0);
      if (r !== 0) throw bpfError(`register cgroup ${id}`, lib, r);
    },
    unregister(id) {
      const key = u64Key(id);
      lib.remove(fds['cg_watch']!, key);
      lib.remove(fds['cg_stats']!, key);
    },
    watched() {
      const out: bigint[] = [];
      let key: Buffer | null = null;
      const next = Buffer.alloc(8);
      while (lib.nextKey(fds['cg_watch']!, key, next) === 0 && out.length < 1_000_000) {
        out.push(next.readBigUInt64LE());
        key = Buffer.from(next);
      }
      return out;
    },
    close() {
      for (const fd of Object.values(fds)) fs.closeSync(fd);
    },
  };
}

/** Loads, attaches and pins one flavour into dir; returns false when this kernel refuses it. */
function loadFlavour(lib: Libbpf, flavour: (typeof FLAVOURS)[number], dir: string): { ok: true } | { ok: false; error: TsruncError } {
  const obj = lib.openFile(objectPath(), 'tsrunc_procstat');
  if (!obj) return { ok: false, error: bpfError(`open ${objectPath()}`, lib, lib.errno()) };
  const links: BpfPtr[] = [];
  try {
    for (const other of FLAVOURS) {
      if (other === flavour) continue;
      for (const e of EVENTS) {
        const prog = lib.findProgram(obj, `tsr_${e}_${other.suffix}`);
        if (prog) lib.setAutoload(prog, false);
      }
    }
    const r = lib.load(obj);
    if (r < 0) return { ok: false, error: bpfError(`load (${flavour.name})`, lib, r) };
    fs.mkdirSync(dir);
    for (const m of MAPS) {
      const map = lib.findMap(obj, m);
      const p = map ? lib.pinMap(map, path.join(dir, m)) : -2;
      if (p < 0) return { ok: false, error: bpfError(`pin map ${m}`, lib, p) };
    }
    const meta = Buffer.alloc(8);
    meta.writeBigUInt64LE(BigInt(Date.now()));
    lib.update(lib.mapFd(lib.findMap(obj, 'cg_meta')), Buffer.alloc(4), meta, 0);
    for (const e of EVENTS) {
      const prog = lib.findProgram(obj, `tsr_${e}_${flavour.suffix}`);
      const link = prog ? lib.attach(prog) : null;
      if (!link) return { ok: false, error: bpfError(`attach tsr_${e}_${flavour.suffix}`, lib, lib.errno()) };
      links.push(link);
      const p = lib.pinLink(link, path.join(dir, `link_${e}`));
      if (p < 0) return { ok: false, error: bpfError(`pin link ${e}`, lib, p) };
    }
    return { ok: true };
  } finally {
    // Closing fds detaches nothing that is pinned; on failure the caller removes dir.
    for (const l of links) lib.destroyLink(l);
    lib.closeObject(obj);
  }
}

/**
 * Registrations whose cgroup is gone (a delete that never ran: killed, crashed, rebooted
 * state dir) would fill the maps until new containers go uncounted. The ids are read
 * before the walk: a registered id's directory existed before it was registered, so a
 * concurrent create's cgroup is always seen as live.
 */
export function forgetDeadCgroups(c: Collector): number {
  const watched = c.watched();
  if (watched.length === 0) return 0;
  const live = liveCgroupIds();
  if (!live) return 0;
  const dead = watched.filter((id) => !live.has(id));
  for (const id of dead) c.unregister(id);
  return dead.length;
}

/**
 * Makes sure this build's collector is loaded and pinned, and returns it opened.
 * Serialised by a flock on the pin base; older versions' pins are removed (detaching them).
 */
export function ensureCollector(base = pinBase()): Collector {
  if (!fs.existsSync(objectPath())) throw new TsruncError('EBPF_LOAD', `eBPF collector: ${objectPath()} is missing`, 'build with clang and libbpf-dev installed (make -C bpf)');
  ensureBpffs(base);
  fs.mkdirSync(base, { recursive: true, mode: 0o700 });
  const lockFd = fs.openSync(base, 'r');
  try {
    helper().flock(lockFd, LOCK_EX);
    const dir = versionDir(base);
    // Under the lock, a loading-* directory is a crashed loader's: its links must go.
    // (bpffs refuses names with a dot, hence no hidden names here.)
    for (const stale of fs.readdirSync(base)) {
      if (stale.startsWith('loading-')) fs.rmSync(path.join(base, stale), { recursive: true, force: true });
    }
    if (!complete(dir)) {
      fs.rmSync(dir, { recursive: true, force: true });
      const lib = loadLibbpf();
      const tmp = path.join(base, `loading-${process.pid}`);
      let error: TsruncError | undefined;
      let loaded: Flavour | undefined;
      // TSRUNC_BPF_FLAVOUR=raw_tp skips tp_btf: how the tests prove the fallback works.
      const only = process.env['TSRUNC_BPF_FLAVOUR'];
      for (const flavour of FLAVOURS.filter((f) => !only || f.name === only)) {
        fs.rmSync(tmp, { recursive: true, force: true });
        const r = loadFlavour(lib, flavour, tmp);
        if (r.ok) { loaded = flavour.name; break; }
        error ??= r.error;
      }
      if (!loaded) {
        fs.rmSync(tmp, { recursive: true, force: true });
        throw error ?? new TsruncError('EBPF_LOAD', `eBPF collector: no flavour "${only}"`, 'TSRUNC_BPF_FLAVOUR is tp_btf or raw_tp');
      }
      fs.mkdirSync(path.join(tmp, `flavour-${loaded}`));
      fs.renameSync(tmp, dir);
      // Older builds' collectors: removing their pins detaches them (no double counting).
      for (const old of fs.readdirSync(base)) {
        if (old !== path.basename(dir)) fs.rmSync(path.join(base, old), { recursive: true, force: true });
      }
    }
    const c = openCollector(base);
    if (!c) throw new TsruncError('EBPF_LOAD', `eBPF collector: pins in ${dir} vanished`, '');
    forgetDeadCgroups(c);
    return c;
  } finally {
    fs.closeSync(lockFd);
  }
}
