#!/usr/bin/env bash
# The pure cgroup v2 suite, in one boot of a throw-away VM (../shared/vm-run: every
# controller enabled, a 1 GiB scratch disk at /dev/vda for io.max). Needs dist/ built.
set -euo pipefail
cd "$(dirname "$0")/../.."
vm_run=${VM_RUN:-$(cd .. && pwd)/shared/vm-run}
if [ ! -x "$vm_run" ]; then
  echo "test/vm/run.sh: $vm_run not found (set VM_RUN to the vm-run script)" >&2
  exit 1
fi
export VM_ACCEL=${VM_ACCEL:-auto}
exec "$vm_run" --disk 1G --mem 2G --timeout "${VM_TIMEOUT:-900}" -- node --test --test-reporter=spec test/vm/cgroups-v2.vm.mjs
