#!/usr/bin/env bash
# conformance/engines/setup.sh WORK RUNTIME — prepare an end-to-end run of podman,
# containerd and dockerd against the OCI runtime binary RUNTIME (absolute path), entirely
# under WORK.
#
#   1. installs the Debian packages the engines need when they are missing
#      (podman 4.3, conmon, containerd 1.6, docker.io 20.10 with tini's docker-init,
#      containers-common configs, catatonit, busybox-static for the image), with no
#      service started (policy-rc.d: docker.io's would start a dockerd on /run/docker.sock);
#   2. builds the image: WORK/rootfs (scripts/make-rootfs.sh), then
#        WORK/images/rootfs.tar         — a plain tarball for `podman import`
#        WORK/images/busybox-oci.tar    — an OCI image layout (tar + sha256, no registry)
#                                         for `ctr images import`
#        WORK/images/busybox-docker.tar — the same layer and config as `docker save`
#                                         writes them, for `docker load`;
#   3. writes PRIVATE configs (nothing under /etc is touched):
#        WORK/podman/{containers.conf,storage.conf,registries.conf}  (CONTAINERS_CONF, …)
#        WORK/containerd/config.toml (root, state, sockets under WORK/containerd)
#        WORK/docker/daemon.json and WORK/docker/containerd/config.toml: a dockerd with
#          its data-root, exec-root, socket and pidfile under WORK/docker, over a containerd
#          of its own; RUNTIME is its runtime "under-test", beside the built-in runc
#   4. writes WORK/bin/<basename of RUNTIME>: a tracing wrapper that appends argv, env,
#      cwd, fds and the exit status of every runtime call to WORK/runtime-trace.log, then
#      runs RUNTIME with exactly the environment it was given (TSRUNC_E2E_TRACE=0: none;
#      WORK/bin/<basename> is then a symlink);
#   5. writes WORK/env.sh: `. WORK/env.sh` gives a shell the same private podman and
#      containerd (functions `e2e_podman`, `e2e_ctr`) for debugging by hand.
#
# Daemons are not started here: the tests start containerd and dockerd and stop them by pid.
set -euo pipefail

die() { echo "engines/setup: $*" >&2; exit 1; }
[ $# -eq 2 ] || die "usage: $0 WORK RUNTIME"
work=$(realpath -m -- "$1")
runtime=$2
case "$runtime" in /*) ;; *) die "RUNTIME must be an absolute path: $runtime" ;; esac
[ -x "$runtime" ] || die "RUNTIME is not executable: $runtime"
case "$work" in /|/etc*|/usr*|/var/lib|/run) die "refusing WORK=$work" ;; esac
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

# --- 1. packages ------------------------------------------------------------------------
pkgs=(podman conmon containerd docker.io tini golang-github-containers-common catatonit busybox-static)
missing=()
for p in "${pkgs[@]}"; do
  [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "engines/setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # No package may start its service (docker.io's init script would start a dockerd with
  # the system's paths): the policy-rc.d that Debian's container images use, for the time
  # of the install, unless the machine has one already.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\n# written by tsrunc conformance/engines/setup.sh for one apt-get install\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 0755 /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  log=$(mktemp)
  if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >"$log" 2>&1; then
    apt-get update -q >>"$log" 2>&1 \
      && apt-get install -y -q --no-install-recommends "${missing[@]}" >>"$log" 2>&1 \
      || { cat "$log" >&2; rm -f "$log"; die "apt-get install ${missing[*]} failed"; }
  fi
  rm -f "$log"
  [ -n "$(trap -p EXIT)" ] && { rm -f /usr/sbin/policy-rc.d; trap - EXIT; }
fi
for b in podman conmon containerd ctr containerd-shim-runc-v2 script /usr/sbin/dockerd /usr/bin/docker /usr/bin/docker-init; do
  command -v "$b" >/dev/null || die "$b not found after installing packages"
done

mkdir -p "$work"/{bin,images,podman/tmp,podman/net,containerd,docker/containerd,docker/cli,fifo}

# --- 2. image ---------------------------------------------------------------------------
bash "$repo/scripts/make-rootfs.sh" "$work/rootfs" >/dev/null
img=$work/images
if [ ! -s "$img/busybox-oci.tar" ] || [ ! -s "$img/busybox-docker.tar" ] || [ "$work/rootfs/.make-rootfs.stamp" -nt "$img/busybox-oci.tar" ]; then
  # The layer: reproducible (sorted, mtime 0, numeric root ownership), without the stamp.
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --exclude=./.make-rootfs.stamp \
      -C "$work/rootfs" -cf "$img/rootfs.tar" .
  oci=$(mktemp -d "$img/oci.XXXXXX")
  mkdir -p "$oci/blobs/sha256"
  blob() { # blob FILE → moves FILE into blobs/sha256/<digest>, prints "<digest> <size>"
    local d s; d=$(sha256sum "$1" | cut -d' ' -f1); s=$(stat -c %s "$1")
    mv "$1" "$oci/blobs/sha256/$d"; echo "$d $s"
  }
  cp "$img/rootfs.tar" "$oci/layer"; read -r ldig lsize < <(blob "$oci/layer")
  printf '%s' '{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["/bin/sh"],"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:'"$ldig"'"]},"history":[{"created_by":"tsrunc conformance/engines/setup.sh"}]}' >"$oci/config"
  read -r cdig csize < <(blob "$oci/config")
  printf '%s' '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:'"$cdig"'","size":'"$csize"'},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:'"$ldig"'","size":'"$lsize"'}]}' >"$oci/manifest"
  read -r mdig msize < <(blob "$oci/manifest")
  printf '%s' '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:'"$mdig"'","size":'"$msize"',"annotations":{"io.containerd.image.name":"docker.io/library/busybox-e2e:latest","org.opencontainers.image.ref.name":"latest"},"platform":{"architecture":"amd64","os":"linux"}}]}' >"$oci/index.json"
  printf '%s' '{"imageLayoutVersion":"1.0.0"}' >"$oci/oci-layout"
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$oci" -cf "$img/busybox-oci.tar.tmp" oci-layout index.json blobs
  mv "$img/busybox-oci.tar.tmp" "$img/busybox-oci.tar"
  # `docker load` (20.10) reads what `docker save` writes: manifest.json naming the config
  # (<digest>.json) and the layer (<digest>/layer.tar) — the same two blobs.
  dk=$oci/docker
  mkdir -p "$dk/$ldig"
  ln "$oci/blobs/sha256/$ldig" "$dk/$ldig/layer.tar"
  ln "$oci/blobs/sha256/$cdig" "$dk/$cdig.json"
  printf '%s' '[{"Config":"'"$cdig"'.json","RepoTags":["busybox-e2e:latest"],"Layers":["'"$ldig"'/layer.tar"]}]' >"$dk/manifest.json"
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$dk" -cf "$img/busybox-docker.tar.tmp" manifest.json "$cdig.json" "$ldig"
  mv "$img/busybox-docker.tar.tmp" "$img/busybox-docker.tar"
  rm -rf "$oci"
fi

# --- 3. configs -------------------------------------------------------------------------
# runc (and tsrunc) fail to raise RLIMIT_NOFILE/NPROC above the caller's hard limit without
# CAP_SYS_RESOURCE, and podman asks for 1048576: give it what this process may have.
nofile=$(ulimit -Hn); nproc=$(ulimit -Hu); pidmax=$(cat /proc/sys/kernel/pid_max)
[ "$nofile" = unlimited ] && nofile=1048576
if [ "$nproc" = unlimited ] || [ "$nproc" -gt "$pidmax" ]; then nproc=$pidmax; fi

P=$work/podman
cat >"$P/containers.conf" <<CONF
# Private containers.conf for the end-to-end tests (CONTAINERS_CONF). Nothing under /etc.
[containers]
netns = "none"
log_driver = "k8s-file"
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]

[network]
network_config_dir = "$P/net"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$P/events.log"
tmp_dir = "$P/tmp"
static_dir = "$P/storage/libpod"
volume_path = "$P/storage/volumes"
conmon_path = ["/usr/bin/conmon"]
runtime_supports_json = ["crun", "runc", "tsrunc", "kata", "runsc", "krun"]
CONF
cat >"$P/storage.conf" <<CONF
[storage]
driver = "overlay"
graphroot = "$P/storage"
runroot = "$P/run"
CONF
cat >"$P/registries.conf" <<CONF
unqualified-search-registries = []
CONF

# containerd_config DIR: a private containerd config with root, state and sockets under DIR.
containerd_config() {
  local C=$1
  cat >"$C/config.toml" <<CONF
# Private containerd config for the end-to-end tests: root, state and sockets under $C.
version = 2
root = "$C/root"
state = "$C/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.tracing.processor.v1.otlp",
  "io.containerd.internal.v1.tracing"]

[grpc]
  address = "$C/containerd.sock"

[ttrpc]
  address = "$C/containerd.sock.ttrpc"

[debug]
  address = ""

[metrics]
  address = ""
CONF
}
C=$work/containerd
containerd_config "$C"

# dockerd: everything of its own under WORK/docker, no network set up (containers run with
# --network none), cgroupfs; live-restore keeps containers running while it restarts. The
# runtime under test is the runtime "under-test" (the name "runc" is taken by the built-in).
D=$work/docker
containerd_config "$D/containerd"
cat >"$D/daemon.json" <<CONF
{
  "data-root": "$D/data",
  "exec-root": "$D/exec",
  "pidfile": "$D/docker.pid",
  "hosts": ["unix://$D/docker.sock"],
  "containerd": "$D/containerd/containerd.sock",
  "iptables": false, "ip6tables": false, "ip-masq": false, "ip-forward": false,
  "bridge": "none", "userland-proxy": false,
  "storage-driver": "overlay2",
  "exec-opts": ["native.cgroupdriver=cgroupfs"],
  "live-restore": true,
  "log-driver": "json-file",
  "runtimes": { "under-test": { "path": "$work/bin/$(basename "$runtime")" } }
}
CONF

# --- 4. runtime wrapper -----------------------------------------------------------------
name=$(basename "$runtime")
wrapper=$work/bin/$name
rm -f "$wrapper"
if [ "${TSRUNC_E2E_TRACE:-1}" = 0 ]; then
  ln -s "$runtime" "$wrapper"
else
  # No PATH is assumed (podman runs kill/delete/pause with XDG_RUNTIME_DIR only): every
  # external command is absolute, and the runtime gets exactly the caller's environment
  # (bash itself would add PWD, SHLVL and _).
  cat >"$wrapper" <<WRAP
#!/bin/bash
trace=$work/runtime-trace.log
real=$runtime
readarray -d '' __env </proc/\$\$/environ
__fds=\$(/usr/bin/ls -l /proc/\$\$/fd 2>/dev/null | /usr/bin/sed -n 's/.* \([0-9]*\) -> /fd \1 -> /p' | /usr/bin/grep -v '^fd 255 ')
{
  printf '=== %s pid=%d ppid=%d cwd=%s\n' "\$EPOCHREALTIME" \$\$ \$PPID "\$PWD"
  printf 'argv:'; printf ' %q' "\$@"; printf '\n'
  printf 'env:'; printf ' %q' "\${__env[@]}"; printf '\n'
  printf '%s\n' "\$__fds"
} >>"\$trace" 2>/dev/null
start=\$EPOCHREALTIME
/usr/bin/env -i "\${__env[@]}" "\$real" "\$@"
rc=\$?
log=
pidfile=
prev=
for a in "\$@"; do
  case "\$prev" in --log) log=\$a ;; --pid-file) pidfile=\$a ;; esac
  case "\$a" in --log=*) log=\${a#--log=} ;; --pid-file=*) pidfile=\${a#--pid-file=} ;; esac
  prev=\$a
done
{
  printf -- '--- pid=%d rc=%d after %ss: %q\n' \$\$ \$rc "\$(printf '%.3f' "\$(( (\${EPOCHREALTIME/./} - \${start/./}) ))e-6")" "\$*"
  if [ -n "\$pidfile" ]; then
    if [ -f "\$pidfile" ]; then
      p=\$(<"\$pidfile")
      st=\$(/usr/bin/sed -n 's/^\(State\|PPid\):\t*//p' "/proc/\$p/status" 2>/dev/null | /usr/bin/tr '\n' ' ')
      printf 'pid-file: %q → %s cmdline=%q\n' "\$p" "\${st:-gone}" "\$(/usr/bin/tr '\0' ' ' <"/proc/\$p/cmdline" 2>/dev/null)"
    else
      printf 'pid-file: %s missing\n' "\$pidfile"
    fi
  fi
  if [ \$rc -ne 0 ] && [ -n "\$log" ] && [ -f "\$log" ]; then /usr/bin/sed 's/^/log: /' "\$log"; fi
} >>"\$trace" 2>/dev/null
exit \$rc
WRAP
  chmod 0755 "$wrapper"
fi

# --- 5. env.sh --------------------------------------------------------------------------
cat >"$work/env.sh" <<ENV
# . $work/env.sh — the private engines of this end-to-end work dir, for debugging by hand.
export CONTAINERS_CONF=$P/containers.conf
export CONTAINERS_STORAGE_CONF=$P/storage.conf
export CONTAINERS_REGISTRIES_CONF=$P/registries.conf
E2E_RUNTIME=$wrapper
e2e_podman() { podman --runtime "\$E2E_RUNTIME" --cgroup-manager cgroupfs "\$@"; }
e2e_ctr() { ctr --address $C/containerd.sock --namespace tsrunc-e2e "\$@"; }
# containerd: containerd --config $C/config.toml &   (stop it with kill PID)
# ctr run:    e2e_ctr run --runc-binary "\$E2E_RUNTIME" --runc-root $C/runc-root --fifo-dir $work/fifo --rm docker.io/library/busybox-e2e:latest ID CMD…
e2e_docker() { DOCKER_CONFIG=$D/cli /usr/bin/docker -H unix://$D/docker.sock "\$@"; }
# dockerd:    (cd $D/containerd && containerd --config $D/containerd/config.toml &); dockerd --config-file $D/daemon.json &
# docker run: e2e_docker run --rm --runtime under-test --network none busybox-e2e CMD…
ENV
echo "engines/setup: ready in $work (runtime $runtime via $wrapper)"
