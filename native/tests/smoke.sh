#!/bin/sh
# Smoke test of the C side with real containers: make -C native test (as root).
# Everything is mounted inside the containers' own mount namespaces; the temp
# directory is removed at the end. Needs /bin/busybox (busybox-static).
set -u
cd "$(dirname "$0")/.."
B=build
INIT=$B/tsrunc-init
[ "$(id -u)" = 0 ] || { echo "smoke: needs root"; exit 1; }
[ -x /bin/busybox ] || { echo "smoke: needs /bin/busybox (apt-get install busybox-static)"; exit 1; }

T=$(mktemp -d /tmp/tsrunc-smoke.XXXXXX)
BG=
cleanup() {
	[ -n "$BG" ] && kill "$BG" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

R=$T/rootfs
mkdir -p "$R/bin" "$R/etc" "$R/proc" "$R/dev" "$R/tmp"
cp /bin/busybox "$R/bin/"
for a in $("$R/bin/busybox" --list); do [ "$a" = busybox ] || ln -s busybox "$R/bin/$a"; done
ln -s / "$R/escape"          # a hostile image: an absolute symlink to "/"
ln -s /tmp "$R/proclink"     # a symlinked mount destination

FAILS=0
pass() { echo "ok   $1"; }
bad() { echo "FAIL $1"; FAILS=$((FAILS + 1)); [ -f "$T/out" ] && sed 's/^/     | /' "$T/out"; }

# run NAME NS PLAN_JSON: spawn a container, output in $T/out, status in $RC
run() {
	printf '%s' "$3" | python3 tests/mkplan.py > "$T/plan" || exit 1
	$B/spawn-test -n "$2" "$INIT" "$T/plan" > "$T/out" 2>&1
	RC=$?
}
expect() { # NAME RC PATTERN...
	n=$1 want=$2
	shift 2
	[ "$RC" = "$want" ] || { bad "$n (status $RC, want $want)"; return; }
	for p in "$@"; do grep -q -- "$p" "$T/out" || { bad "$n (no '$p')"; return; }; done
	pass "$n"
}

ROOT_OPS='["PROPAGATION","/","MS_REC|MS_SLAVE"],
 ["ROOTFS","'$R'"],
 ["MOUNT","proc","/proc","proc","MS_NOSUID|MS_NODEV|MS_NOEXEC",[],"",0,0,"MF_DEST_NO_SYMLINK"],
 ["MOUNT","tmpfs","/dev","tmpfs","MS_NOSUID|MS_STRICTATIME",[],"mode=755",0,0,0],
 ["MKNOD","/dev/null","S_IFCHR",1,3,438,0,0]'
TAIL_OPS='["CHDIR","/"], ["RESOLVE_EXEC","sh","/usr/bin:/bin"], ["SYNC",2], ["DETACH"]'
sh_exec() { printf '["EXEC",["sh","-c","%s"],["PATH=/bin"]]' "$1"; }

# --- wire-dump agrees with the encoder, and refuses garbage ---
printf '[["MOUNT","proc","/proc","proc",14,[1,2],"a\\"b\\n",0,0,4],["EXEC",["sh","-c"],[]],["FORK"]]' |
	python3 tests/mkplan.py > "$T/plan"
$B/wire-dump < "$T/plan" > "$T/out" 2>&1
cat > "$T/want" <<'EOF'
OP_MOUNT source="proc" dest="/proc" fstype="proc" flags=14 propagation=[1,2] data="a\"b\n" attr_set=0 attr_clr=0 mflags=4
OP_EXEC argv=["sh","-c"] envp=[]
OP_FORK
EOF
cmp -s "$T/out" "$T/want" && pass "wire-dump format" || bad "wire-dump format"
head -c 30 "$T/plan" | $B/wire-dump > "$T/out" 2>&1
[ $? = 1 ] && grep -q "at byte" "$T/out" && pass "wire-dump refuses a truncated plan" || bad "wire-dump truncated"

# --- run: namespaces, mounts, masking, exit status ---
run "run" mnt,pid,uts,ipc "[$ROOT_OPS,
 [\"SYMLINK\",\"/proc/self/fd\",\"/dev/fd\"],
 [\"MOUNT\",\"/etc/hostname\",\"/etc/hostname\",\"\",\"MS_BIND|MS_RDONLY|MS_NOSUID\",[],\"\",0,0,\"MF_BIND|MF_DEST_FILE\"],
 [\"MOUNT\",\"tmpfs\",\"/escape/tmp/tsrunc-escaped\",\"tmpfs\",0,[\"MS_PRIVATE\"],\"\",\"MOUNT_ATTR_NOEXEC\",0,0],
 [\"SETHOSTNAME\",\"smoke\"],
 [\"PIVOT_ROOT\"],
 [\"MASK_PATH\",\"/proc/timer_list\"], [\"MASK_PATH\",\"/proc/driver\"], [\"MASK_PATH\",\"/proc/nope\"],
 [\"READONLY_PATH\",\"/proc/sys\"], [\"CLOSE_DEVNULL\"],
 $TAIL_OPS, $(sh_exec 'echo pid=$$; hostname; wc -c < /proc/timer_list; ls /proc/driver | wc -l; touch /proc/sys/x 2>&1; echo > /etc/hostname 2>&1; grep -c tsrunc-escaped /proc/self/mountinfo; exit 7')]"
expect "run: exit status, pid 1, hostname, masks, read-only" 7 "pid=1" "^smoke" "^0$" "Read-only file system" "sync 2"
[ -e /tmp/tsrunc-escaped ] && bad "symlink escape created /tmp/tsrunc-escaped on the host" ||
	{ [ -d "$R/tmp/tsrunc-escaped" ] && pass "mount dest through an absolute symlink stays in the root" || bad "escape dir not in root"; }
grep -q "$T" /proc/self/mountinfo && bad "host mount table has container mounts" || pass "no mount leaked to the host"

# --- signals propagate as 128+n ---
run "signal" mnt "[$ROOT_OPS, [\"PIVOT_ROOT\"], $TAIL_OPS, $(sh_exec 'kill -9 $$')]"
expect "exit by SIGKILL is 137" 137 "exit 137"

# --- create/start: the blocked init, then the fifo ---
mkfifo -m 0622 "$T/fifo"
printf '%s' "[[\"FIFO_OPEN\",\"$T/fifo\"], $ROOT_OPS, [\"PIVOT_ROOT\"], [\"CLOSE_DEVNULL\"], $TAIL_OPS, [\"WAIT_FIFO\"],
 $(sh_exec 'echo started; echo fds: $(ls /proc/self/fd)')]" | python3 tests/mkplan.py > "$T/plan"
$B/spawn-test -p 1 -n mnt,pid,uts,ipc "$INIT" "$T/plan" > "$T/out" 2>&1 3</etc/hostname &
BG=$!
pid=
for _ in $(seq 50); do
	pid=$(awk '/^pid/{print $2}' "$T/out")
	[ -n "$pid" ] && [ "$(cat /proc/$pid/wchan 2>/dev/null)" = wait_for_partner ] && break
	sleep 0.1
done
if [ -n "$pid" ] && [ -d /proc/$pid ]; then
	exe=$(readlink /proc/$pid/exe)
	fds=$(ls /proc/$pid/fd | sort -n | tr '\n' ' ')
	rss=$(awk '/^VmRSS/{print $2}' /proc/$pid/status)
	echo "     blocked init: exe=$exe fds=$fds VmRSS=${rss}kB"
	case $exe in /memfd:tsrunc-init*) pass "init runs from a memfd" ;; *) bad "exe is $exe" ;; esac
	fifo_fd=$(for f in /proc/$pid/fd/*; do [ "$(readlink "$f")" = "$T/fifo" ] && basename "$f"; done)
	[ "$fds" = "0 1 2 3 $fifo_fd " ] && pass "blocked init holds only 0-2, the preserved fd and the fifo" || bad "fds: $fds"
	[ "$rss" -le 1024 ] && pass "blocked init RSS ${rss} kB <= 1 MiB" || bad "RSS $rss kB"
	cat "$T/fifo" > /dev/null
	wait "$BG"
	RC=$?
	BG=
	expect "start through the fifo; only stdio and preserved fd reach the process" 0 "started" "^fds: 0 1 2 3 4$"
else
	bad "no blocked init"
fi

# --- errors come back with step, op, errno, detail ---
run "mount error" mnt "[$ROOT_OPS, [\"MOUNT\",\"none\",\"/x\",\"nosuchfs\",0,[],\"\",0,0,0]]"
expect "failed mount reported with its step" 1 "error step=5 op=9 errno=19 detail=mount none (nosuchfs) on /x"
run "no symlink dest" mnt "[$ROOT_OPS, [\"MOUNT\",\"proc\",\"/proclink/p\",\"proc\",0,[],\"\",0,0,\"MF_DEST_NO_SYMLINK\"]]"
expect "MF_DEST_NO_SYMLINK refuses a symlinked destination" 1 "error step=5 op=9 errno=40"
run "not found" mnt "[$ROOT_OPS, [\"PIVOT_ROOT\"], [\"RESOLVE_EXEC\",\"nosuch\",\"/bin\"]]"
expect "RESOLVE_EXEC: not in PATH" 1 'detail=exec: "nosuch": executable file not found in $PATH'
run "not found /" mnt "[$ROOT_OPS, [\"PIVOT_ROOT\"], [\"RESOLVE_EXEC\",\"/bin/nosuch\",\"/bin\"]]"
expect "RESOLVE_EXEC: absolute path" 1 "errno=2 detail=stat /bin/nosuch: no such file or directory"
printf 'TSRW' > "$T/plan"
$B/spawn-test -n mnt "$INIT" "$T/plan" > "$T/out" 2>&1
RC=$?
expect "malformed plan reported as STEP_READ_PLAN" 1 "error step=-1 op=0"

# --- process attributes, sysctl, --no-pivot, fork into a new pid namespace ---
run "process" mnt,ipc,net,uts "[$ROOT_OPS, [\"MOVE_ROOT\"],
 [\"SYSCTL\",\"net/ipv4/ip_forward\",\"1\"], [\"OOM_SCORE_ADJ\",500], [\"RLIMIT\",\"RLIMIT_NOFILE\",1000,2000],
 [\"UMASK\",23], [\"UNSHARE\",\"CLONE_NEWPID\"], [\"FORK\"], [\"SETSID\"],
 [\"CAPS_BOUNDING\",$((1 << 7 | 1 << 6))], [\"IDENTITY\",1000,1000,[1000,27]], [\"CAPS\",0,$((1 << 7)),$((1 << 7)),$((1 << 7))],
 [\"NO_NEW_PRIVS\"], $TAIL_OPS,
 $(sh_exec 'echo pid=$$ id=$(id -u):$(id -g) groups=$(id -G); cat /proc/sys/net/ipv4/ip_forward /proc/self/oom_score_adj; ulimit -n; umask; grep -E \"^(CapBnd|CapAmb|NoNewPrivs)\" /proc/self/status')]"
expect "fork, identity, caps, rlimit, umask, sysctl, oom_score_adj" 0 "forked " "first exit 0" "pid=1 id=1000:1000 groups=1000 27" \
	"^1$" "^500$" "^1000$" "^0027$" "CapBnd:.*00000000000000c0" "CapAmb:.*0000000000000080" "NoNewPrivs:.1"

# --- a user namespace: bind remount keeps the locked flags ---
USERNS_ROOT_OPS=$(printf '%s' "$ROOT_OPS" | sed 's|\["MKNOD","/dev/null".*\]|["MOUNT","/dev/null","/dev/null","","MS_BIND",[],"",0,0,"MF_BIND\|MF_DEST_FILE"]|')
run "userns" user,mnt,pid,uts,ipc "[$USERNS_ROOT_OPS,
 [\"MOUNT\",\"/etc/hostname\",\"/etc/hostname\",\"\",\"MS_BIND|MS_RDONLY\",[],\"\",0,0,\"MF_BIND|MF_DEST_FILE\"],
 [\"PIVOT_ROOT\"], [\"MASK_PATH\",\"/proc/timer_list\"], $TAIL_OPS, $(sh_exec 'echo uid=$(id -u); wc -c < /proc/timer_list; echo > /etc/hostname')]"
expect "user namespace" 1 "uid=0" "^0$" "Read-only file system"

echo
[ $FAILS = 0 ] && echo "smoke: all passed" || echo "smoke: $FAILS failed"
[ $FAILS = 0 ]
