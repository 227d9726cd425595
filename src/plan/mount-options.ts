import { MOUNT_ATTR, MS } from './flags.js';

/** A mount's options, parsed into what mount(2) and mount_setattr(2) take. */
export interface MountOptions {
  flags: number;
  /** Propagation changes, applied one after another once mounted. */
  propagation: number[];
  attrSet: number;
  attrClr: number;
  /** Options the kernel's filesystem gets as data, comma-joined. */
  data: string;
  bind: boolean;
}

// [flag, set?]: set adds the flag, clear removes it.
const FLAGS: Record<string, [number, boolean]> = {
  defaults: [0, false],
  ro: [MS.RDONLY, true], rw: [MS.RDONLY, false],
  nosuid: [MS.NOSUID, true], suid: [MS.NOSUID, false],
  nodev: [MS.NODEV, true], dev: [MS.NODEV, false],
  noexec: [MS.NOEXEC, true], exec: [MS.NOEXEC, false],
  sync: [MS.SYNCHRONOUS, true], async: [MS.SYNCHRONOUS, false],
  dirsync: [MS.DIRSYNC, true],
  remount: [MS.REMOUNT, true],
  mand: [MS.MANDLOCK, true], nomand: [MS.MANDLOCK, false],
  noatime: [MS.NOATIME, true], atime: [MS.NOATIME, false],
  nodiratime: [MS.NODIRATIME, true], diratime: [MS.NODIRATIME, false],
  relatime: [MS.RELATIME, true], norelatime: [MS.RELATIME, false],
  strictatime: [MS.STRICTATIME, true], nostrictatime: [MS.STRICTATIME, false],
  iversion: [MS.I_VERSION, true], noiversion: [MS.I_VERSION, false],
  lazytime: [MS.LAZYTIME, true], nolazytime: [MS.LAZYTIME, false],
  silent: [MS.SILENT, true], loud: [MS.SILENT, false],
  nosymfollow: [MS.NOSYMFOLLOW, true], symfollow: [MS.NOSYMFOLLOW, false],
  bind: [MS.BIND, true],
  rbind: [MS.BIND | MS.REC, true],
};

const PROPAGATION: Record<string, number> = {
  private: MS.PRIVATE, rprivate: MS.PRIVATE | MS.REC,
  shared: MS.SHARED, rshared: MS.SHARED | MS.REC,
  slave: MS.SLAVE, rslave: MS.SLAVE | MS.REC,
  unbindable: MS.UNBINDABLE, runbindable: MS.UNBINDABLE | MS.REC,
};

// Recursive attributes (mount_setattr with AT_RECURSIVE): [attribute, set?].
const ATTRS: Record<string, [number, boolean]> = {
  rro: [MOUNT_ATTR.RDONLY, true], rrw: [MOUNT_ATTR.RDONLY, false],
  rnosuid: [MOUNT_ATTR.NOSUID, true], rsuid: [MOUNT_ATTR.NOSUID, false],
  rnodev: [MOUNT_ATTR.NODEV, true], rdev: [MOUNT_ATTR.NODEV, false],
  rnoexec: [MOUNT_ATTR.NOEXEC, true], rexec: [MOUNT_ATTR.NOEXEC, false],
  rnodiratime: [MOUNT_ATTR.NODIRATIME, true], rdiratime: [MOUNT_ATTR.NODIRATIME, false],
  rnosymfollow: [MOUNT_ATTR.NOSYMFOLLOW, true], rsymfollow: [MOUNT_ATTR.NOSYMFOLLOW, false],
};

// Access-time attributes are one field: setting one clears the whole field first.
const ATIME_ATTRS: Record<string, number> = {
  rrelatime: MOUNT_ATTR.RELATIME,
  rnoatime: MOUNT_ATTR.NOATIME,
  rstrictatime: MOUNT_ATTR.STRICTATIME,
};

/** Parses a mount's options as runc does; what is not a flag goes to the filesystem as data. */
export function parseMountOptions(options: readonly string[], type: string | undefined): MountOptions {
  const out: MountOptions = { flags: 0, propagation: [], attrSet: 0, attrClr: 0, data: '', bind: type === 'bind' };
  const data: string[] = [];
  for (const opt of options) {
    const flag = FLAGS[opt];
    if (flag) {
      if (flag[1]) out.flags |= flag[0];
      else out.flags &= ~flag[0];
      if (opt === 'bind' || opt === 'rbind') out.bind = true;
      continue;
    }
    const prop = PROPAGATION[opt];
    if (prop !== undefined) {
      out.propagation.push(prop);
      continue;
    }
    const attr = ATTRS[opt];
    if (attr) {
      if (attr[1]) { out.attrSet |= attr[0]; out.attrClr &= ~attr[0]; }
      else { out.attrClr |= attr[0]; out.attrSet &= ~attr[0]; }
      continue;
    }
    const atime = ATIME_ATTRS[opt];
    if (atime !== undefined) {
      out.attrClr |= MOUNT_ATTR.ATIME_MASK;
      out.attrSet = (out.attrSet & ~MOUNT_ATTR.ATIME_MASK) | atime;
      continue;
    }
    data.push(opt);
  }
  // A bind ignores "rbind" being implied twice; a type of "bind" without rbind is not recursive.
  if (out.bind) out.flags |= MS.BIND;
  out.data = data.join(',');
  return out;
}

/** Every option name parseMountOptions knows (flags, propagation, recursive attributes), for `features`. */
export function mountOptionNames(): string[] {
  return [...Object.keys(FLAGS), ...Object.keys(PROPAGATION), ...Object.keys(ATTRS), ...Object.keys(ATIME_ATTRS)];
}
