/**
 * linux.resources → writes into the container's cgroups, on whichever hierarchy holds
 * each controller: v1 where the controller is bound to a v1 hierarchy (hybrid and legacy
 * hosts), v2 otherwise. `translate` and `routeResources` are pure (the tree is passed
 * in); `applyResources` performs them.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { LinuxResources } from '../spec/generated/types.js';
import { errnoCode } from '../errors.js';
import { loadDeviceFilter } from './device-filter.js';
import { devicePolicy, v1DeviceLines } from './devices/rules.js';
import type { CgroupTree } from './facts.js';
import type { HostLayout } from './layout.js';
import type { CgroupRecord } from './record.js';
import { v1Blkio, v1Cpu, v1Hugetlb, v1Memory, v1Network, v1Pids } from './v1-resources.js';
import { type Translation, rdmaWrites, unifiedWrites, v2Cpu, v2Hugetlb, v2Io, v2Memory, v2Network, v2Pids } from './v2-resources.js';
import { type CgroupWrite, type HasFile, type Source, fieldError } from './writes.js';

export type Where = 'v1' | 'v2' | undefined;

/** Which hierarchy holds a controller, by its v1 and v2 names. */
export type Placement = (v1Name: string, v2Name: string) => Where;

/** Where each controller lives: a v1 hierarchy wins (a controller is bound to one hierarchy only). */
export function placementOf(layout: HostLayout): Placement {
  return (v1Name, v2Name) => (layout.v1.has(v1Name) ? 'v1' : layout.v2Controllers.has(v2Name) ? 'v2' : undefined);
}

export interface Routed {
  v1: CgroupWrite[];
  v2: CgroupWrite[];
  warnings: string[];
  /** Settings whose controller this host does not have at all: [controller, field]. */
  missing: [string, string][];
}

type Section = {
  v1Name: string;
  v2Name: string;
  set(r: LinuxResources): string | undefined;
  v1(r: LinuxResources, src: Source, out: Translation, has: HasFile): void;
  v2(r: LinuxResources, src: Source, out: Translation, has: HasFile): void;
};

const nonEmpty = (v: unknown) => v !== undefined && (!Array.isArray(v) || v.length > 0) && (typeof v !== 'object' || v === null || Object.keys(v).length > 0);

/** Each part of linux.resources, the controller it needs (by its v1 and v2 names), and its two translations. */
const SECTIONS: Section[] = [
  { v1Name: 'memory', v2Name: 'memory', set: (r) => (nonEmpty(r.memory) ? 'memory' : undefined), v1: v1Memory, v2: v2Memory },
  {
    v1Name: 'cpu', v2Name: 'cpu',
    set: (r) => (r.cpu && ['shares', 'quota', 'period', 'burst', 'realtimeRuntime', 'realtimePeriod', 'idle'].some((k) => (r.cpu as Record<string, unknown>)[k] !== undefined) ? 'cpu' : undefined),
    v1: (r, s, o) => v1Cpu({ cpu: { ...r.cpu, cpus: undefined, mems: undefined } as never }, s, o),
    v2: (r, s, o) => v2Cpu({ cpu: { ...r.cpu, cpus: undefined, mems: undefined } as never }, s, o),
  },
  {
    v1Name: 'cpuset', v2Name: 'cpuset',
    set: (r) => (r.cpu?.cpus || r.cpu?.mems ? (r.cpu.cpus ? 'cpu.cpus' : 'cpu.mems') : undefined),
    v1: (r, s, o) => v1Cpu({ cpu: { cpus: r.cpu?.cpus, mems: r.cpu?.mems } as never }, s, o),
    v2: (r, s, o) => v2Cpu({ cpu: { cpus: r.cpu?.cpus, mems: r.cpu?.mems } as never }, s, o),
  },
  { v1Name: 'pids', v2Name: 'pids', set: (r) => (r.pids?.limit !== undefined ? 'pids.limit' : undefined), v1: v1Pids, v2: v2Pids },
  { v1Name: 'blkio', v2Name: 'io', set: (r) => (nonEmpty(r.blockIO) ? 'blockIO' : undefined), v1: v1Blkio, v2: v2Io },
  { v1Name: 'hugetlb', v2Name: 'hugetlb', set: (r) => (nonEmpty(r.hugepageLimits) ? 'hugepageLimits' : undefined), v1: v1Hugetlb, v2: v2Hugetlb },
  {
    v1Name: 'rdma', v2Name: 'rdma', set: (r) => (nonEmpty(r.rdma) ? 'rdma' : undefined),
    v1: (r, _s, o) => o.writes.push(...rdmaWrites(r)), v2: (r, _s, o) => o.writes.push(...rdmaWrites(r)),
  },
];

/** linux.resources as writes per hierarchy (devices aside: see deviceWork). */
export function translate(r: LinuxResources, where: Placement, has: HasFile, src: Source): Routed {
  const out: Routed = { v1: [], v2: [], warnings: [], missing: [] };
  for (const s of SECTIONS) {
    const field = s.set(r);
    if (!field) continue;
    const w = where(s.v1Name, s.v2Name);
    if (!w) {
      out.missing.push([s.v2Name, field]);
      continue;
    }
    const t: Translation = { writes: [], warnings: [] };
    (w === 'v1' ? s.v1 : s.v2)(r, src, t, has);
    out[w].push(...t.writes);
    out.warnings.push(...t.warnings);
  }
  // net_cls / net_prio exist on v1 only.
  if (nonEmpty(r.network)) {
    const t: Translation = { writes: [], warnings: [] };
    if (where('net_cls', '-') === 'v1' || where('net_prio', '-') === 'v1') v1Network(r, src, t);
    else v2Network(r, src, t);
    out.v1.push(...t.writes);
    out.warnings.push(...t.warnings);
  }
  out.v2.push(...unifiedWrites(r, src));
  return out;
}

/** has() over the container's real directories, or over the nearest existing ancestor before they exist. */
function hasIn(tree: CgroupTree, rec: CgroupRecord): HasFile {
  return (controller, file) => {
    const dir = rec.v1?.[controller] ?? rec.unified;
    for (let d = dir; d && d !== '/' && d !== '.'; d = path.dirname(d)) {
      if (tree.exists(d)) return tree.exists(path.join(d, file));
    }
    return false;
  };
}

/** Controllers the container's unified cgroup can use: its own list, or what its nearest existing ancestor delegates. */
function v2Available(tree: CgroupTree, rec: CgroupRecord): { controllers: Set<string>; from: string } {
  let d = rec.unified;
  if (!d) return { controllers: new Set(), from: '' };
  const read = (f: string) => new Set((tree.read(f) ?? '').trim().split(/\s+/).filter(Boolean));
  if (tree.exists(d)) return { controllers: read(path.join(d, 'cgroup.controllers')), from: path.join(d, 'cgroup.controllers') };
  while (!tree.exists(path.dirname(d))) d = path.dirname(d);
  const parent = path.dirname(d);
  return { controllers: read(path.join(parent, 'cgroup.subtree_control')), from: path.join(parent, 'cgroup.subtree_control') };
}

/**
 * Checks, before anything is created, that every controller the resources need is there:
 * on v1 that the container joins its hierarchy, on v2 that the parent delegates it.
 */
function checkControllers(routed: Routed, tree: CgroupTree, set: CgroupRecord, src: Source, foreign: Foreign | undefined): void {
  for (const [controller, field] of routed.missing) {
    throw fieldError(src, field, `the ${controller} controller is not available: this kernel has neither a cgroup v1 hierarchy nor a unified-hierarchy controller for it`,
      `mount the ${controller} controller, or remove linux.resources.${field}`);
  }
  for (const w of routed.v1) {
    if (set.v1?.[w.controller]) continue;
    const own = foreign?.left.get(w.controller);
    if (own !== undefined) throw foreign!.error(w.controller, own, w.field);
    throw fieldError(src, w.field, `the ${w.controller} controller is not available to this container`, `remove linux.resources.${w.field}`);
  }
  if (routed.v2.length === 0) return;
  if (!set.unified) {
    throw fieldError(src, routed.v2[0]!.field, 'needs the unified (v2) cgroup hierarchy, which this host does not have mounted', 'mount cgroup2, or remove the setting');
  }
  const avail = v2Available(tree, set);
  for (const w of routed.v2) {
    if (w.controller === 'cgroup' || avail.controllers.has(w.controller)) continue;
    const parent = path.dirname(avail.from);
    throw fieldError(src, w.field, `the ${w.controller} controller is not available to the container's cgroup (it is not in ${avail.from})`,
      `enable it for the parent cgroup (echo +${w.controller} > ${path.join(parent, 'cgroup.subtree_control')}), or choose a cgroupsPath whose parent delegates it, or remove the setting`);
  }
}

function writeOne(dir: string, w: CgroupWrite, src: Source): void {
  try {
    fs.writeFileSync(path.join(dir, w.file), w.value);
  } catch (e) {
    const code = errnoCode(e) ?? String(e);
    if (w.tolerate?.includes(code)) return;
    const why = code === 'ENOENT' ? `${path.join(dir, w.file)} does not exist (the kernel lacks this setting)`
      : code === 'EINVAL' || code === 'ERANGE' ? `the kernel refused "${w.value}" for ${w.file} (${code})`
      : code === 'EBUSY' ? `${w.file} cannot be changed now (EBUSY)`
      : `write "${w.value}" to ${path.join(dir, w.file)}: ${code}`;
    throw fieldError(src, w.field, why, 'check the value against the kernel\'s cgroup documentation (cgroup-v2.rst, cgroup-v1/)');
  }
}

/** v1 hierarchies the path rule left out (controller → tsrunc's own cgroup there), and the error for a limit that needs one. */
export interface Foreign {
  left: Map<string, string>;
  error(controller: string, own: string, field: string): Error;
}

/**
 * The writes of `r` for the container's cgroups, checked: every controller they need is
 * there (on v1: the container joins its hierarchy; on v2: the parent delegates it).
 * Pure: what exists is asked of `tree`.
 */
export function routeResources(rec: CgroupRecord, where: Placement, tree: CgroupTree, r: LinuxResources, src: Source, foreign?: Foreign): Routed {
  const routed = translate(r, where, hasIn(tree, rec), src);
  checkControllers(routed, tree, rec, src, foreign);
  return routed;
}

/** Performs the writes (v1 then v2, in order), then the device rules when `devices` is set. */
export function applyResources(set: CgroupRecord, where: Placement, tree: CgroupTree, r: LinuxResources, src: Source, devices: boolean): string[] {
  const routed = routeResources(set, where, tree, r, src);
  for (const w of routed.v1) writeOne(set.v1![w.controller]!, w, src);
  for (const w of routed.v2) writeOne(set.unified!, w, src);
  if (devices) applyDevices(set, r, src);
  return routed.warnings;
}

/** Device rules: a BPF program on the unified cgroup, and devices.deny/allow in the v1 devices cgroup. */
function applyDevices(set: CgroupRecord, r: LinuxResources, src: Source): void {
  const policy = devicePolicy(r.devices ?? [], src);
  if (set.unified) loadDeviceFilter(set.unified, policy, src);
  if (set.v1?.['devices']) {
    for (const l of v1DeviceLines(policy)) {
      writeOne(set.v1['devices'], { controller: 'devices', file: l.file, value: l.line, field: 'devices' }, src);
    }
  }
}
