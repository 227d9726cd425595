import { defineConfig } from 'vitest/config';

// End-to-end tests of podman, containerd and dockerd driving an OCI runtime (root only):
//   npx vitest run --config conformance/engines/vitest.config.ts
// TSRUNC_E2E_RUNTIME=/abs/runtime (default: dist/tsrunc), e.g. /usr/sbin/runc to check the
// harness itself. The files run one after the other: timings (stop -t 1) stay meaningful.
export default defineConfig({
  test: {
    root: import.meta.dirname,
    include: ['*.test.ts'],
    globalSetup: ['global-setup.ts'],
    fileParallelism: false,
    testTimeout: 60000,
    hookTimeout: 120000,
    teardownTimeout: 60000,
    reporters: ['default'],
  },
});
