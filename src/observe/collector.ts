/**
 * The eBPF process collector's life cycle, with no daemon: `create` ensures it is loaded
 * and pinned, where the pinned links keep it attached after tsrunc exits; every later
 * command only opens the pinned maps. Two versions, so an upgrade keeps the counters:
 *   <pin base>/<object hash>/       links (and marker directories: flavour, map layout)
 *   <pin base>/maps-<layout hash>/  maps; layout = the map definitions only
 * A build whose programs differ but whose maps are declared the same loads its programs
 * onto the pinned maps (libbpf reuses a map pinned at its pin path), so the counters,
 * registrations and loaded_at survive. A flock on the pin base serialises loaders, and
 * the program directory is published by one rename, so the programs are never attached
 * twice by tsrunc.
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
const MAPS = ['cg_stats', 'cg_watch', 'cg_meta', 'cg_pinbase'] as const;
/** Value size of cg_pinbase: the pin base path, NUL-terminated. */
const PINBASE_SIZE = 256;
const LINKS = EVENTS.map((e) => `link_${e}`);
const MAPS_PREFIX = 'maps-';
/** bpffs holds no regular files: the layout a program directory uses is the name of an empty directory. */
const LAYOUT_MARK = 'layout-';
/** The two program flavours in the object, best first: typed tp_btf, then raw_tp. */
const FLAVOURS = [{ name: 'tp_btf', suffix: 'btf' }, { name: 'raw_tp', suffix: 'raw' }] as const;
export type Flavour = (typeof FLAVOURS)[number]['name'];

/** The pinned collector, opened: its maps by fd. close() when done. */
export interface Collector {
  /** The program directory (links). */
  dir: string;
  /** The map directory. */
  mapsDir: string;
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

/** The program pin directory of this build of the collector (hash of the object file). */
export function versionDir(base = pinBase()): string {
  const hash = crypto.createHash('sha256').update(fs.readFileSync(objectPath())).digest('hex').slice(0, 16);
  return path.join(base, hash);
}

/**
 * Hash of what the pinned maps' compatibility depends on: each map's name, type, key and
 * value size and max entries, as the opened (not yet loaded) object declares them.
 */
function layoutHash(lib: Libbpf, obj: BpfPtr): string | undefined {
  const h = crypto.createHash('sha256');
  for (const m of MAPS) {
    const map = lib.findMap(obj, m);
    if (!map) return undefined;
    const d = lib.mapDef(map);
    h.update(`${m} ${d.type} ${d.keySize} ${d.valueSize} ${d.maxEntries}\n`);
  }
  return h.digest('hex').slice(0, 16);
}

/** The map directory a program directory was loaded onto (its layout marker). */
function mapsDirOf(dir: string): string | undefined {
  let mark: string | undefined;
  try {
    mark = fs.readdirSync(dir).find((e) => e.startsWith(LAYOUT_MARK));
  } catch {
    return undefined;
  }
  return mark ? path.join(path.dirname(dir), MAPS_PREFIX + mark.slice(LAYOUT_MARK.length)) : undefined;
}

function mapsComplete(mapsDir: string): boolean {
  return MAPS.every((m) => fs.existsSync(path.join(mapsDir, m)));
}

function complete(dir: string): boolean {
  const mapsDir = mapsDirOf(dir);
  return LINKS.every((p) => fs.existsSync(path.join(dir, p))) && mapsDir !== undefined && mapsComplete(mapsDir);
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
  const mapsDir = mapsDirOf(dir)!;
  const lib = loadLibbpf();
  const fds: Record<string, number> = {};
  try {
    for (const m of MAPS) {
      const fd = lib.objGet(path.join(mapsDir, m));
      if (fd < 0) throw bpfError(`open ${path.join(mapsDir, m)}`, lib, fd);
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
    mapsDir,
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

/**
 * Loads one flavour onto the maps of its layout (reusing them when pinned, pinning them
 * otherwise), calls retire() (which detaches the older programs), then attaches and pins
 * the links into dir. Returns an error when this kernel refuses the flavour.
 */
function loadFlavour(lib: Libbpf, flavour: (typeof FLAVOURS)[number], dir: string, retire: () => void): { ok: true } | { ok: false; error: TsruncError } {
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
    const layout = layoutHash(lib, obj);
    if (!layout) return { ok: false, error: bpfError('find the maps', lib, -2) };
    const mapsDir = path.join(path.dirname(dir), MAPS_PREFIX + layout);
    const reused = mapsComplete(mapsDir);
    // A partial map directory is a crashed loader's (we hold the lock): start it again.
    if (!reused) fs.rmSync(mapsDir, { recursive: true, force: true });
    fs.mkdirSync(mapsDir, { recursive: true });
    for (const m of MAPS) {
      const p = lib.setPinPath(lib.findMap(obj, m), path.join(mapsDir, m));
      if (p < 0) return { ok: false, error: bpfError(`pin path of map ${m}`, lib, p) };
    }
    // load() reuses each map pinned at its pin path, or creates and pins it (and unpins
    // what it pinned if the load fails).
    const r = lib.load(obj);
    if (r < 0) return { ok: false, error: bpfError(`load (${flavour.name})`, lib, r) };
    fs.mkdirSync(dir);
    fs.mkdirSync(path.join(dir, LAYOUT_MARK + layout));
    if (!reused) {
      // New maps: counters start now. Reused ones keep their loaded_at, so readers' windows
      // run across the upgrade.
      const meta = Buffer.alloc(8);
      meta.writeBigUInt64LE(BigInt(Date.now()));
      lib.update(lib.mapFd(lib.findMap(obj, 'cg_meta')), Buffer.alloc(4), meta, 0);
      // Which pin base it serves: what a loader in another bpffs looks for (foreignCollector).
      const pb = Buffer.alloc(PINBASE_SIZE);
      pb.write(path.resolve(path.dirname(dir)).slice(0, PINBASE_SIZE - 1));
      lib.update(lib.mapFd(lib.findMap(obj, 'cg_pinbase')), Buffer.alloc(4), pb, 0);
    }
    // The older programs go before the new ones attach: both writing to shared maps would
    // count every event twice; the price is the events of the few ms in between.
    retire();
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

/** The kernel's id, name and sizes of a map (struct bpf_map_info's first fields). */
function mapInfo(lib: Libbpf, fd: number): { id: number; keySize: number; valueSize: number; name: string } | undefined {
  const info = Buffer.alloc(128);
  if (lib.objInfo(fd, info) !== 0) return undefined;
  const name = info.subarray(24, 40);
  return { id: info.readUInt32LE(4), keySize: info.readUInt32LE(8), valueSize: info.readUInt32LE(12), name: name.toString('utf8', 0, Math.max(0, name.indexOf(0))) };
}

/**
 * The map id of a tsrunc collector loaded for the same pin base but not reachable through
 * our pins: pinned in another bpffs (another mount namespace, or /sys/fs/bpf unmounted
 * and mounted again while something kept it). Loading here would count every event
 * twice. Found by enumerating every loaded map (bpf_map_get_next_id) for a cg_pinbase
 * that records `base`; ours (the cg_pinbase pinned under base) are left out.
 */
export function foreignCollector(lib: Libbpf, base: string): number | undefined {
  const want = path.resolve(base);
  const own = new Set<number>();
  let entries: string[] = [];
  try {
    entries = fs.readdirSync(base);
  } catch { /* nothing pinned here */ }
  for (const e of entries.filter((n) => n.startsWith(MAPS_PREFIX))) {
    const fd = lib.objGet(path.join(base, e, 'cg_pinbase'));
    if (fd < 0) continue;
    const id = mapInfo(lib, fd)?.id;
    fs.closeSync(fd);
    if (id) own.add(id);
  }
  const next = Buffer.alloc(4);
  let id = 0;
  for (let n = 0; n < 1_000_000 && lib.mapNextId(id, next) === 0; n++) {
    id = next.readUInt32LE();
    if (own.has(id)) continue;
    const fd = lib.mapFdById(id);
    if (fd < 0) continue; // gone meanwhile, or not ours to open
    try {
      const info = mapInfo(lib, fd);
      if (info?.name !== 'cg_pinbase' || info.keySize !== 4 || info.valueSize !== PINBASE_SIZE) continue;
      const v = Buffer.alloc(PINBASE_SIZE);
      if (lib.lookup(fd, Buffer.alloc(4), v) !== 0) continue;
      if (v.toString('utf8', 0, Math.max(0, v.indexOf(0))) === want) return id;
    } finally {
      fs.closeSync(fd);
    }
  }
  return undefined;
}

export function foreignMessage(base: string, mapId: number): string {
  return `a tsrunc collector for ${base} is already loaded from another bpf filesystem (map id ${mapId})`;
}

/** Why the collector is not loaded here when another bpffs has it, else undefined (never throws). */
export function foreignCollectorReason(base = pinBase()): string | undefined {
  try {
    const id = foreignCollector(loadLibbpf(), base);
    return id === undefined ? undefined : foreignMessage(base, id);
  } catch {
    return undefined;
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
      // Never a second copy through a hidden or second bpffs: the flock above is per bpffs.
      const foreign = foreignCollector(lib, base);
      if (foreign !== undefined) {
        throw new TsruncError('EBPF_LOAD', foreignMessage(base, foreign), 'its pins are in another bpf filesystem (another mount namespace, or a bpffs mounted over the one that has them); create containers where that bpffs is mounted');
      }
      const tmp = path.join(base, `loading-${process.pid}`);
      let error: TsruncError | undefined;
      let loaded: Flavour | undefined;
      // TSRUNC_BPF_FLAVOUR=raw_tp skips tp_btf: how the tests prove the fallback works.
      const only = process.env['TSRUNC_BPF_FLAVOUR'];
      // Older builds' program directories: removing their pins detaches them.
      const retire = () => {
        for (const old of fs.readdirSync(base)) {
          if (!old.startsWith(MAPS_PREFIX) && old !== path.basename(tmp)) fs.rmSync(path.join(base, old), { recursive: true, force: true });
        }
      };
      for (const flavour of FLAVOURS.filter((f) => !only || f.name === only)) {
        fs.rmSync(tmp, { recursive: true, force: true });
        const r = loadFlavour(lib, flavour, tmp, retire);
        if (r.ok) { loaded = flavour.name; break; }
        error ??= r.error;
      }
      if (!loaded) {
        fs.rmSync(tmp, { recursive: true, force: true });
        throw error ?? new TsruncError('EBPF_LOAD', `eBPF collector: no flavour "${only}"`, 'TSRUNC_BPF_FLAVOUR is tp_btf or raw_tp');
      }
      fs.mkdirSync(path.join(tmp, `flavour-${loaded}`));
      fs.renameSync(tmp, dir);
      // Maps of other layouts: nothing uses them any more (their programs are retired).
      const mapsDir = mapsDirOf(dir);
      for (const old of fs.readdirSync(base)) {
        if (old !== path.basename(dir) && path.join(base, old) !== mapsDir) fs.rmSync(path.join(base, old), { recursive: true, force: true });
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
