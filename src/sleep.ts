/**
 * Blocks the thread for ms milliseconds. The runtime's commands are straight-line and
 * synchronous; short polls (a cgroup emptying, a freezer settling, a process exiting)
 * wait with this instead of turning whole call chains async.
 */
export function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
