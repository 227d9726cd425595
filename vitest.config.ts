import { defineConfig } from 'vitest/config';

// Every tsrunc the tests start pins its eBPF collector in this run's own directory, never in
// /sys/fs/bpf/tsrunc nor in another concurrent run's (the global teardown removes it),
// whichever way it is spawned: workers and their children inherit the variable.
const bpfPinDir = `/sys/fs/bpf/tsrunc-test-${process.pid}`;
process.env['TSRUNC_BPF_PIN_DIR'] = bpfPinDir;

// Unit tests (spec, plan, ...) need nothing built; integration tests need dist/tsrunc and
// the example rootfs, which their global setup checks and prepares.
export default defineConfig({
  test: {
    testTimeout: 60000,
    hookTimeout: 60000,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/integration/**'] },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/integration/global-setup.ts'],
          env: { TSRUNC_BPF_PIN_DIR: bpfPinDir },
        },
      },
    ],
  },
});
