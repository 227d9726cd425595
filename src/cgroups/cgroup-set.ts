/**
 * The cgroups of one container: its directory in the unified hierarchy and in each v1
 * hierarchy it joins, which of them tsrunc creates, and the resources in force. Kept in
 * the container's state record, so every later command (and a delete after a crash)
 * works from it alone.
 *
 * Path rule: an absolute cgroupsPath is the same path in every hierarchy. A relative one
 * is relative to tsrunc's own cgroup in each hierarchy, as in runc — except that tsrunc
 * never creates a cgroup inside a v1 cgroup it did not create: where its own v1 cgroup is
 * not the hierarchy's root (on this kind of host the memory cgroup belongs to the machine's
 * agent), that hierarchy is left out, and a limit that needs it is an error that says to
 * use an absolute cgroupsPath.
 */
import path from 'node:path';
import type { LinuxResources } from '../spec/generated/types.js';
import { TsruncError } from '../errors.js';
import { type HostLayout, V1_RESOURCE_CONTROLLERS, modeOf } from './layout.js';
import { missingDirs } from './unified.js';

export interface CgroupSet {
  /** The container's cgroup in the unified hierarchy (host path). */
  unified?: string;
  /** v1 controller → the container's cgroup in that controller's hierarchy (host path). */
  v1?: Record<string, string>;
  /** Directories tsrunc creates for it (and removes on delete), shallowest first within each hierarchy. */
  createdDirs: string[];
  /** The resources in force: config.json's, then each `update`'s. */
  resources?: LinuxResources;
}

export interface ResolvedPath {
  /** Absolute (from the hierarchy root), or relative to tsrunc's own cgroup. */
  absolute: boolean;
  path: string;
  warning?: string;
}

/**
 * cgroupsPath as written: absolute, relative, empty (→ the container id, relative, like
 * runc) or systemd's "slice:prefix:name" (→ its cgroupfs path, with a warning, as no
 * systemd driver is used).
 */
export function resolveCgroupsPath(cgroupsPath: string | undefined, id: string): ResolvedPath {
  let p = cgroupsPath ?? '';
  let warning: string | undefined;
  const parts = p.split(':');
  if (parts.length === 3 && !p.startsWith('/')) {
    const [slice, prefix, name] = parts as [string, string, string];
    p = path.posix.join('/', slice || 'system.slice', `${prefix ? prefix + '-' : ''}${name}.scope`);
    warning = `cgroupsPath "${cgroupsPath}" is systemd style and no systemd cgroup driver is used: using ${p}`;
  }
  if (p === '') p = id;
  const absolute = p.startsWith('/');
  const norm = path.posix.normalize(absolute ? p : `/${p}`).replace(/(.)\/+$/, '$1');
  if (p.split('/').includes('..') || norm === '/') {
    throw new TsruncError('EBUNDLE_CGROUP', `config.json: linux.cgroupsPath: "${cgroupsPath}" does not name a cgroup below the root`,
      'use an absolute path such as /mygroup/container1');
  }
  return { absolute, path: absolute ? norm : norm.slice(1), ...(warning ? { warning } : {}) };
}

/** The v1 controllers a container joins on this host. */
export function v1ControllersToJoin(layout: HostLayout): string[] {
  // Every mounted hierarchy, as runc does: device rules go to the v1 devices controller
  // too (tools read devices.list), and engines look the init up in freezer and
  // name=systemd (containerd's shim loads the init's cgroups); freezing itself uses
  // cgroup.freeze where there is a unified hierarchy.
  const wanted: string[] = [...V1_RESOURCE_CONTROLLERS, 'devices', 'freezer', 'name=systemd'];
  return wanted.filter((c) => layout.v1.has(c));
}

export interface PlannedSet {
  set: CgroupSet;
  /** v1 controllers left out because the relative path would land in a cgroup tsrunc does not own. */
  foreign: Map<string, string>;
  warnings: string[];
}

/** Where the container's cgroups go; nothing is touched. */
export function planCgroupSet(layout: HostLayout, cgroupsPath: string | undefined, id: string, ownUnified: string): PlannedSet {
  const r = resolveCgroupsPath(cgroupsPath, id);
  const set: CgroupSet = { createdDirs: [] };
  const foreign = new Map<string, string>();
  if (layout.unified) {
    const rel = r.absolute ? r.path : path.posix.join(ownUnified, r.path);
    set.unified = path.join(layout.unified, rel);
    set.createdDirs.push(...missingDirs(layout.unified, rel));
  }
  const v1: Record<string, string> = {};
  const planned = new Set<string>();
  for (const c of v1ControllersToJoin(layout)) {
    const mount = layout.v1.get(c)!;
    const own = layout.ownV1.get(c) ?? '/';
    if (!r.absolute && own !== '/') {
      foreign.set(c, own);
      continue;
    }
    const rel = r.absolute ? r.path : path.posix.join(own, r.path);
    v1[c] = path.join(mount, rel);
    // Controllers that share a hierarchy (cpu,cpuacct) share the directory.
    if (!planned.has(mount)) {
      planned.add(mount);
      set.createdDirs.push(...missingDirs(mount, rel));
    }
  }
  if (Object.keys(v1).length > 0) set.v1 = v1;
  return { set, foreign, warnings: r.warning ? [r.warning] : [] };
}

/** The error for a limit whose v1 hierarchy was left out by the path rule. */
export function foreignError(controller: string, own: string, field: string, cgroupsPath: string | undefined): TsruncError {
  return new TsruncError('EBUNDLE_CGROUP',
    `config.json: linux.resources.${field}: needs the ${controller} cgroup, but linux.cgroupsPath "${cgroupsPath ?? ''}" is relative and tsrunc's own ${controller} cgroup is ${own}, which tsrunc did not create: it does not create cgroups inside another owner's cgroup`,
    'use an absolute linux.cgroupsPath, e.g. /tsrunc/<container id>');
}

/** Every distinct directory of the set (a v1 hierarchy shared by two controllers counts once). */
export function allDirs(set: CgroupSet): string[] {
  return [...new Set([...(set.unified ? [set.unified] : []), ...Object.values(set.v1 ?? {})])];
}
