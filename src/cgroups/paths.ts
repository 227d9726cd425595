/**
 * Where a container's cgroup goes in a hierarchy: cgroupsPath as written (absolute,
 * relative, empty, or systemd's slice:prefix:name), and which directories along the
 * way do not exist yet (tsrunc creates those and removes them again).
 */
import path from 'node:path';
import { TsruncError } from '../errors.js';
import type { CgroupTree } from './facts.js';

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

/** The container's directory in the hierarchy mounted at `mount`, below `own` when the path is relative. */
export function placeIn(mount: string, own: string, r: ResolvedPath): { dir: string; rel: string } {
  const rel = r.absolute ? r.path : path.posix.join(own, r.path);
  return { dir: path.join(mount, rel), rel };
}

/** The directories from the hierarchy root down to `cgPath` that do not exist yet, shallowest first. */
export function missingDirs(tree: CgroupTree, mount: string, cgPath: string): string[] {
  const out: string[] = [];
  let cur = mount;
  for (const part of cgPath.split('/').filter(Boolean)) {
    cur = path.join(cur, part);
    if (!tree.exists(cur)) out.push(cur);
  }
  return out;
}
