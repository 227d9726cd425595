/** What depends on the machine, checked before any side effect. */
import fs from 'node:fs';
import path from 'node:path';
import { TsruncError } from '../errors.js';
import type { Spec } from '../plan/types.js';

/** The root filesystem: it exists, is a directory, and is not a symlink; the kernel
 * interfaces it gets mounted over are not symlinks either (CVE-2023-27561 class). */
export function checkRootfs(spec: Spec, bundleDir: string): string {
  if (!spec.root?.path) {
    throw new TsruncError('EBUNDLE_ROOT', 'config.json: root.path: required', 'point root.path at the root filesystem directory, e.g. "rootfs"');
  }
  const rootfs = path.resolve(bundleDir, spec.root.path);
  let st: fs.Stats;
  try {
    st = fs.lstatSync(rootfs);
  } catch {
    throw new TsruncError('EBUNDLE_ROOT', `config.json: root.path: ${rootfs}: no such file or directory`, 'create the root filesystem, or fix root.path (relative to the bundle)');
  }
  if (st.isSymbolicLink()) {
    throw new TsruncError('EBUNDLE_ROOT', `config.json: root.path: ${rootfs} is a symlink`, 'point root.path at a directory');
  }
  if (!st.isDirectory()) {
    throw new TsruncError('EBUNDLE_ROOT', `config.json: root.path: ${rootfs} is not a directory`, 'point root.path at a directory');
  }
  for (const m of spec.mounts ?? []) {
    // /dev too: the runtime creates device nodes and links below it (runc refuses it as well).
    if (!['proc', 'sysfs'].includes(m.type ?? '') && path.posix.normalize('/' + m.destination) !== '/dev') continue;
    const dest = path.join(rootfs, path.posix.normalize('/' + m.destination));
    let lst: fs.Stats | undefined;
    try { lst = fs.lstatSync(dest); } catch { lst = undefined; }
    if (lst && !lst.isDirectory()) {
      throw new TsruncError('EBUNDLE_ROOT', `rootfs: ${m.destination} is ${lst.isSymbolicLink() ? 'a symlink' : 'not a directory'} in the image; ${m.type} cannot be mounted there`,
        `make ${m.destination} a plain directory in the root filesystem`);
    }
  }
  return rootfs;
}

/** Namespace files to join exist; the kernel has every namespace type asked for. */
export function checkNamespaces(spec: Spec): void {
  const file: Record<string, string> = { network: 'net', mount: 'mnt' };
  for (const ns of spec.linux?.namespaces ?? []) {
    const kind = file[ns.type] ?? ns.type;
    if (!fs.existsSync(`/proc/self/ns/${kind}`)) {
      throw new TsruncError('EHOST', `config.json: linux.namespaces: this kernel has no ${ns.type} namespace`, `remove {"type": "${ns.type}"}`);
    }
    if (ns.path && !fs.existsSync(ns.path)) {
      throw new TsruncError('EBUNDLE_NAMESPACE', `config.json: linux.namespaces: ${ns.type} namespace path ${ns.path}: no such file or directory`,
        'give the namespace file of a running process, e.g. /proc/PID/ns/' + kind);
    }
  }
}

/** The directory of --pid-file exists, and the file is not a symlink (checked before side
 * effects; the write itself replaces whatever is there, never writing through it). */
export function checkPidFile(pidFile: string | undefined): void {
  if (!pidFile) return;
  const dir = path.dirname(path.resolve(pidFile));
  if (!fs.existsSync(dir)) {
    throw new TsruncError('EPIDFILE', `--pid-file ${pidFile}: directory ${dir} does not exist`, 'create the directory first');
  }
  let st: fs.Stats | undefined;
  try { st = fs.lstatSync(pidFile); } catch { /* not there yet: the usual case */ }
  if (st?.isSymbolicLink()) {
    throw new TsruncError('EPIDFILE', `--pid-file ${pidFile}: is a symlink; tsrunc does not write a pid file through one`,
      'give the path of a regular file (or of none yet), or remove the symlink');
  }
}
