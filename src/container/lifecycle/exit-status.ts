/**
 * The exit status of a container's init for `events`' "exit" event. The init is not
 * tsrunc's child (its parent is whoever ran `run`/`start`, or a subreaper), so waitid
 * cannot see it; Linux 6.15+ keeps the status on a pidfd opened before the process was
 * reaped (PIDFD_GET_INFO). Before that kernel, or while nobody has reaped the zombie,
 * it is not knowable and the status is null.
 */
import fs from 'node:fs';
import { helper } from '../../native/helper.js';
import { isAlive } from '../state/procfs.js';

/** How long to wait for the parent to reap the exited init before giving up on its status. */
const REAP_WAIT_MS = 1000;

/** A pidfd on the init, or undefined when it cannot be opened or the pid was reused. */
export function openInitPidfd(pid: number, startTime: string | undefined): number | undefined {
  let fd: number;
  try {
    fd = helper().pidfdOpen(pid);
  } catch {
    return undefined;
  }
  // Checked after the open: the pidfd now pins this process, so a match is the init itself.
  if (isAlive(pid, startTime)) return fd;
  fs.closeSync(fd);
  return undefined;
}

/** A wait status as a shell reports it: the exit code, or 128 + the signal. */
export function statusCode(waitStatus: number): number {
  const sig = waitStatus & 0x7f;
  return sig === 0 ? (waitStatus >> 8) & 0xff : 128 + sig;
}

/** The init's status once it has been reaped, or null when that does not happen (soon) or the kernel cannot tell. */
export async function exitStatus(pidfd: number | undefined): Promise<number | null> {
  if (pidfd === undefined) return null;
  const until = Date.now() + REAP_WAIT_MS;
  for (;;) {
    let ws: number | undefined;
    try {
      ws = helper().pidfdExitStatus(pidfd);
    } catch {
      return null; // ENOTTY/EINVAL: a kernel without PIDFD_INFO_EXIT
    }
    if (ws !== undefined) return statusCode(ws);
    if (Date.now() >= until) return null;
    await new Promise((r) => setTimeout(r, 20));
  }
}
