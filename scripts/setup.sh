#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine (as root) to build and run tsrunc: system packages,
# npm dependencies, the build, and the example bundle's rootfs. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "setup: tsrunc needs Node.js 20 or newer (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

# gcc/make build the spawn library, musl-gcc the small static init; busybox-static
# fills the example rootfs; containers-common has podman's default seccomp profile
# (/usr/share/containers/seccomp.json), which the confinement tests run; clang, llvm
# (llvm-strip) and libbpf-dev build the eBPF collector, libbpf1 loads it at run time;
# runc, crun and containerd (ctr) write the example configs that the spec tests read, and
# runc is what the tests compare tsrunc with, where runc has the behaviour.
need=()
for pkg in gcc make libc6-dev musl-tools busybox-static golang-github-containers-common clang llvm libbpf-dev libbpf1 runc crun containerd; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need+=("$pkg")
done
if [ "${#need[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

npm ci --no-audit --no-fund --loglevel=error
npm run build --silent
bash scripts/make-rootfs.sh bundles/example/rootfs
