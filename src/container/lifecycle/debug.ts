/**
 * Named points in create where a test can freeze the runtime (TSRUNC_TEST_STOP_AT=name):
 * tsrunc stops itself with SIGSTOP there, so a test can SIGKILL it at exactly that phase
 * and check that `delete --force` still cleans everything up.
 */
export type StopPoint = 'intent' | 'cgroup' | 'spawned' | 'namespaces' | 'ready' | 'recorded';

export function stopPoint(name: StopPoint): void {
  if (process.env['TSRUNC_TEST_STOP_AT'] === name) process.kill(process.pid, 'SIGSTOP');
}
