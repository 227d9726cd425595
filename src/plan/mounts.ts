import path from 'node:path';
import { TsruncError } from '../errors.js';
import { MF, type Op } from '../native/wire.js';
import { MS, S_IF } from './flags.js';
import { parseMountOptions } from './mount-options.js';
import type { HostFacts, Spec, SpecMount, Step } from './types.js';

/** Destinations whose filesystem must not be reached through a symlink in the image
 * (CVE-2023-27561 class): the kernel interfaces a container could be tricked into
 * mounting somewhere else. */
const NO_SYMLINK_TYPES = new Set(['proc', 'sysfs', 'cgroup', 'cgroup2', 'mqueue', 'devpts']);

function clean(dest: string): string {
  return path.posix.normalize('/' + dest);
}

/** The spec's mounts as init steps, in order. Bind sources are host paths, relative
 * ones to the bundle; destinations are resolved by the init inside the root. In a user
 * namespace (`inUserns`) a bind remount keeps the flags the kernel locked (MF.KEEP_LOCKED). */
export function planMounts(spec: Spec, bundleDir: string, host: HostFacts, inUserns: boolean): Step[] {
  return (spec.mounts ?? []).map((m, i) => mountStep(m, i, bundleDir, host, inUserns));
}

function mountStep(m: SpecMount, i: number, bundleDir: string, host: HostFacts, inUserns: boolean): Step {
  const field = `config.json: mounts[${i}]`;
  if (!m.destination.startsWith('/')) {
    // runtime-spec 1.x says absolute; runc accepted relative ones against the root.
    m = { ...m, destination: '/' + m.destination };
  }
  const dest = clean(m.destination);
  const opts = parseMountOptions(m.options ?? [], m.type);
  let mflags = 0;
  let source = m.source ?? '';
  let fstype = m.type ?? '';
  if (opts.bind) {
    if (!source) {
      throw new TsruncError('EBUNDLE_MOUNT', `${field}.source: a bind mount needs a source`, 'set source to a host path');
    }
    source = path.resolve(bundleDir, source);
    const kind = host.sourceKind(source);
    if (kind === 'missing') {
      throw new TsruncError('EBUNDLE_MOUNT', `${field}.source: ${source}: no such file or directory`, 'create the source, or fix the path (relative paths are relative to the bundle)');
    }
    mflags |= MF.BIND;
    if (kind === 'file') mflags |= MF.DEST_FILE;
    // Only a user namespace locks flags (of the host's mounts): elsewhere an EPERM is real.
    if (inUserns) mflags |= MF.KEEP_LOCKED;
    fstype = '';
  } else if (!fstype) {
    throw new TsruncError('EBUNDLE_MOUNT', `${field}.type: a mount that is not a bind needs a type`, 'set type, e.g. "tmpfs", or add "bind" to options');
  }
  if (fstype === 'cgroup') fstype = 'cgroup2'; // the unified hierarchy is the container's view (README: cgroups)
  if (NO_SYMLINK_TYPES.has(fstype)) mflags |= MF.DEST_NO_SYMLINK;
  const op: Op = {
    op: 'MOUNT',
    source,
    dest,
    fstype,
    flags: opts.flags,
    propagation: opts.propagation,
    data: opts.data,
    attrSet: opts.attrSet,
    attrClr: opts.attrClr,
    mflags,
  };
  return { op, what: opts.bind ? `bind mount ${source} on ${dest}` : `mount ${fstype} on ${dest}` };
}

/** Propagation of the container's "/" before the root is built (runc's default: rslave). */
export function rootPropagation(spec: Spec): number {
  const p = spec.linux?.rootfsPropagation;
  switch (p) {
    case undefined: case '': return MS.SLAVE | MS.REC;
    case 'private': return MS.PRIVATE;
    case 'rprivate': return MS.PRIVATE | MS.REC;
    case 'slave': return MS.SLAVE;
    case 'rslave': return MS.SLAVE | MS.REC;
    case 'shared': return MS.SHARED;
    case 'rshared': return MS.SHARED | MS.REC;
    case 'unbindable': return MS.UNBINDABLE;
    case 'runbindable': return MS.UNBINDABLE | MS.REC;
    default:
      throw new TsruncError('EBUNDLE_MOUNT', `config.json: linux.rootfsPropagation: unknown value "${p}"`,
        'use one of private, rprivate, slave, rslave, shared, rshared, unbindable, runbindable');
  }
}

const DEFAULT_DEVICES = [
  { path: '/dev/null', major: 1, minor: 3 },
  { path: '/dev/zero', major: 1, minor: 5 },
  { path: '/dev/full', major: 1, minor: 7 },
  { path: '/dev/random', major: 1, minor: 8 },
  { path: '/dev/urandom', major: 1, minor: 9 },
  { path: '/dev/tty', major: 5, minor: 0 },
];

const DEV_TYPES: Record<string, number> = { c: S_IF.CHR, u: S_IF.CHR, b: S_IF.BLK, p: S_IF.FIFO };

/**
 * The device nodes and links of /dev: the defaults every container has, then
 * linux.devices. In a new user namespace mknod is not allowed, so the host's nodes
 * are bind-mounted instead (as runc does).
 */
export function planDevices(spec: Spec, inNewUserns: boolean): Step[] {
  const steps: Step[] = [];
  const mounts = spec.mounts ?? [];
  const devIsBind = mounts.some((m) => clean(m.destination) === '/dev' && parseMountOptions(m.options ?? [], m.type).bind);
  const hasDevpts = mounts.some((m) => clean(m.destination) === '/dev/pts');
  const wanted = new Map<string, { type: number; major: number; minor: number; mode: number; uid: number; gid: number }>();
  if (!devIsBind) {
    for (const d of DEFAULT_DEVICES) wanted.set(d.path, { type: S_IF.CHR, major: d.major, minor: d.minor, mode: 0o666, uid: 0, gid: 0 });
  }
  (spec.linux?.devices ?? []).forEach((d, i) => {
    const type = DEV_TYPES[d.type];
    if (type === undefined) {
      throw new TsruncError('EBUNDLE_DEVICE', `config.json: linux.devices[${i}].type: unknown type "${d.type}"`, 'use c, b, u or p');
    }
    if (type !== S_IF.FIFO && (d.major === undefined || d.minor === undefined)) {
      throw new TsruncError('EBUNDLE_DEVICE', `config.json: linux.devices[${i}]: major and minor are required for type "${d.type}"`, 'set major and minor');
    }
    if (!d.path.startsWith('/dev/')) {
      throw new TsruncError('EBUNDLE_DEVICE', `config.json: linux.devices[${i}].path: "${d.path}" is not below /dev`, 'device nodes live below /dev');
    }
    wanted.set(clean(d.path), {
      type, major: d.major ?? 0, minor: d.minor ?? 0,
      mode: (d.fileMode ?? 0o666) & 0o7777, uid: d.uid ?? 0, gid: d.gid ?? 0,
    });
  });
  for (const [p, d] of wanted) {
    if (inNewUserns) {
      steps.push({
        op: { op: 'MOUNT', source: p, dest: p, fstype: '', flags: MS.BIND, propagation: [], data: '', attrSet: 0, attrClr: 0, mflags: MF.BIND | MF.DEST_FILE },
        what: `bind mount device ${p}`,
      });
    } else {
      steps.push({ op: { op: 'MKNOD', path: p, ...d }, what: `create device ${p}` });
    }
  }
  const links: [string, string][] = [
    ['/proc/self/fd', '/dev/fd'],
    ['/proc/self/fd/0', '/dev/stdin'],
    ['/proc/self/fd/1', '/dev/stdout'],
    ['/proc/self/fd/2', '/dev/stderr'],
  ];
  if (hasDevpts) links.push(['pts/ptmx', '/dev/ptmx']);
  if (!devIsBind) {
    for (const [target, link] of links) steps.push({ op: { op: 'SYMLINK', target, linkpath: link }, what: `link ${link} to ${target}` });
  }
  return steps;
}
