import fs from 'node:fs';
import path from 'node:path';
import { helper } from '../../native/helper.js';
import { planExec } from '../../plan/exec.js';
import type { Process } from '../../plan/types.js';
import { checkConsoleFlags, proxyTerminal, sendToConsoleSocket } from '../launch/console.js';
import { containerCgroup } from '../../cgroups/driver.js';
import { readHostFacts } from '../../host/facts.js';
import { compileProfile } from '../launch/seccomp.js';
import { sendToListener } from '../../seccomp/listener.js';
import { launchInit } from '../launch/launch-init.js';
import { LIVE, loadContainer, requireStatus } from '../state/access.js';
import { writeAtomic } from '../../fsutil.js';
import { Store } from '../state/store.js';
import { checkPidFile } from '../../host/checks.js';
import { waitForwarding } from './wait.js';

export interface ExecOptions {
  root: string;
  id: string;
  process: Process;
  detach: boolean;
  pidFile?: string;
  preserveFds: number;
  ignorePaused: boolean;
  consoleSocket?: string;
  warn(message: string): void;
}

/**
 * `exec`: runs another process in a container. Detached, it returns once the process
 * runs, and the process is re-parented to the caller's subreaper (conmon, the shim);
 * otherwise tsrunc waits for it, passing signals on, and exits with its status.
 */
export async function execInContainer(opts: ExecOptions): Promise<number> {
  const c = loadContainer(new Store(opts.root), opts.id);
  requireStatus(c, opts.ignorePaused ? LIVE : ['created', 'running'], 'exec');
  const { rec } = c;
  const initPid = rec.pid!;
  const cgroup = containerCgroup(rec.cgroup, initPid);
  checkConsoleFlags(Boolean(opts.process.terminal), opts.consoleSocket, opts.detach);
  checkPidFile(opts.pidFile);
  // The container's seccomp filter holds for every process in it (cached: no compile).
  const seccomp = compileProfile(rec.spec);
  const plan = planExec(rec.spec, initPid, opts.process, readHostFacts().capLastCap, seccomp);
  plan.warnings.forEach(opts.warn);
  // Not detached: the process is forked off the init; as a subreaper we get it back.
  if (!opts.detach) helper().setSubreaper(true);
  let master: number | undefined;
  const launched = launchInit(plan, {
    onConsole: (fd) => {
      if (opts.consoleSocket) sendToConsoleSocket(opts.consoleSocket, fd);
      else master = fd;
    },
    cgroupDir: cgroup.cloneInto(),
    preserveFds: opts.preserveFds,
    onSeccompFd: (pid, fd) => sendToListener(rec.spec.linux!.seccomp!, { id: rec.id, pid, bundle: rec.bundle, annotations: rec.annotations, status: 'running' }, fd),
    onReady: (pid) => {
      // Where clone3 could not place it (hybrid: the v1 hierarchies, where the limits are).
      cgroup.join(pid);
      if (opts.pidFile) writeAtomic(path.resolve(opts.pidFile), String(pid), 0o644);
    },
  });
  if (opts.detach) {
    fs.closeSync(launched.pidfd);
    return 0;
  }
  const restore = master === undefined ? undefined : proxyTerminal(master);
  try {
    return await waitForwarding(launched.pid, launched.pidfd);
  } finally {
    restore?.();
  }
}
