import { defineConfig } from 'vitest/config';

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
          // Every tsrunc the tests start pins its eBPF collector here, never in /sys/fs/bpf/tsrunc
          // (the global teardown removes it), whichever way it is spawned.
          env: { TSRUNC_BPF_PIN_DIR: '/sys/fs/bpf/tsrunc-test' },
        },
      },
    ],
  },
});
