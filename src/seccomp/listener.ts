/**
 * SCMP_ACT_NOTIFY: the notify fd goes to the seccomp agent listening on
 * linux.seccomp.listenerPath, in one message with the container's state, as runc
 * sends it (runtime-spec ContainerProcessState; the fd travels as SCM_RIGHTS).
 */
import { TsruncError } from '../errors.js';
import { helper } from '../native/helper.js';
import type { LinuxSeccomp } from '../spec/generated/types.js';
import { SPEC_VERSION } from '../spec/version.js';

export interface ListenerState {
  id: string;
  pid: number;
  bundle: string;
  annotations: Record<string, string>;
  /** creating for the container's process, running for an exec'd one (as runc). */
  status?: 'creating' | 'running';
}

/** The message runc sends: {ociVersion, fds: ["seccompFd"], pid, metadata, state}. */
export function processState(profile: LinuxSeccomp, s: ListenerState): Buffer {
  return Buffer.from(JSON.stringify({
    ociVersion: SPEC_VERSION,
    fds: ['seccompFd'],
    pid: s.pid,
    ...(profile.listenerMetadata ? { metadata: profile.listenerMetadata } : {}),
    state: { ociVersion: SPEC_VERSION, id: s.id, status: s.status ?? 'creating', pid: s.pid, bundle: s.bundle, annotations: s.annotations },
  }));
}

export function sendToListener(profile: LinuxSeccomp, state: ListenerState, fd: number): void {
  const path = profile.listenerPath!;
  try {
    helper().sendFd(path, processState(profile, state), fd);
  } catch (e) {
    throw new TsruncError('ESECCOMP_LISTENER', `config.json: linux.seccomp.listenerPath: send the notify fd to ${path}: ${e instanceof Error ? e.message : String(e)}`,
      'start the seccomp agent listening on that unix socket before creating the container');
  }
}
