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

# Plans are JSON arrays of ops as tsrunc builds them (fields by name, left-out ones zero),
# encoded by tsrunc's own encoder (build/mkplan.mjs, from tests/mkplan.ts).
mkplan() { node $B/mkplan.mjs > "$T/plan" || exit 1; }

# run NAME NS PLAN_JSON: spawn a container, output in $T/out, status in $RC
run() {
	printf '%s' "$3" | mkplan
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

ROOT_OPS='{"op":"PROPAGATION","path":"/","flags":"MS_REC|MS_SLAVE"},
 {"op":"ROOTFS","rootfs":"'$R'"},
 {"op":"MOUNT","source":"proc","dest":"/proc","fstype":"proc","flags":"MS_NOSUID|MS_NODEV|MS_NOEXEC","mflags":"MF_DEST_NO_SYMLINK"},
 {"op":"MOUNT","source":"tmpfs","dest":"/dev","fstype":"tmpfs","flags":"MS_NOSUID|MS_STRICTATIME","data":"mode=755"},
 {"op":"MKNOD","path":"/dev/null","type":"S_IFCHR","major":1,"minor":3,"mode":438}'
TAIL_OPS='{"op":"CHDIR","path":"/"}, {"op":"RESOLVE_EXEC","argv0":"sh","searchPath":"/usr/bin:/bin"},
 {"op":"SYNC","tag":"SYNC_READY"}, {"op":"DETACH"}'
sh_exec() { printf '{"op":"EXEC","argv":["sh","-c","%s"],"envp":["PATH=/bin"]}' "$1"; }

# --- wire-dump agrees with the encoder, and refuses garbage ---
printf '[{"op":"MOUNT","source":"proc","dest":"/proc","fstype":"proc","flags":14,"propagation":[1,2],"data":"a\\"b\\n","mflags":4},
 {"op":"EXEC","argv":["sh","-c"]},{"op":"FORK"}]' | mkplan
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
 {\"op\":\"SYMLINK\",\"target\":\"/proc/self/fd\",\"linkpath\":\"/dev/fd\"},
 {\"op\":\"MOUNT\",\"source\":\"/etc/hostname\",\"dest\":\"/etc/hostname\",\"flags\":\"MS_BIND|MS_RDONLY|MS_NOSUID\",\"mflags\":\"MF_BIND|MF_DEST_FILE\"},
 {\"op\":\"MOUNT\",\"source\":\"tmpfs\",\"dest\":\"/escape/tmp/tsrunc-escaped\",\"fstype\":\"tmpfs\",\"propagation\":[\"MS_PRIVATE\"],\"attrSet\":\"MOUNT_ATTR_NOEXEC\"},
 {\"op\":\"SETHOSTNAME\",\"name\":\"smoke\"},
 {\"op\":\"PIVOT_ROOT\"},
 {\"op\":\"MASK_PATH\",\"path\":\"/proc/timer_list\"}, {\"op\":\"MASK_PATH\",\"path\":\"/proc/driver\"}, {\"op\":\"MASK_PATH\",\"path\":\"/proc/nope\"},
 {\"op\":\"READONLY_PATH\",\"path\":\"/proc/sys\"}, {\"op\":\"CLOSE_DEVNULL\"},
 $TAIL_OPS, $(sh_exec 'echo pid=$$; hostname; wc -c < /proc/timer_list; ls /proc/driver | wc -l; touch /proc/sys/x 2>&1; echo > /etc/hostname 2>&1; grep -c tsrunc-escaped /proc/self/mountinfo; exit 7')]"
expect "run: exit status, pid 1, hostname, masks, read-only" 7 "pid=1" "^smoke" "^0$" "Read-only file system" "sync 2"
[ -e /tmp/tsrunc-escaped ] && bad "symlink escape created /tmp/tsrunc-escaped on the host" ||
	{ [ -d "$R/tmp/tsrunc-escaped" ] && pass "mount dest through an absolute symlink stays in the root" || bad "escape dir not in root"; }
grep -q "$T" /proc/self/mountinfo && bad "host mount table has container mounts" || pass "no mount leaked to the host"

# --- signals propagate as 128+n ---
run "signal" mnt "[$ROOT_OPS, {\"op\":\"PIVOT_ROOT\"}, $TAIL_OPS, $(sh_exec 'kill -9 $$')]"
expect "exit by SIGKILL is 137" 137 "exit 137"

# --- create/start: the blocked init, then the fifo ---
mkfifo -m 0622 "$T/fifo"
printf '%s' "[{\"op\":\"FIFO_OPEN\",\"path\":\"$T/fifo\"}, $ROOT_OPS, {\"op\":\"PIVOT_ROOT\"}, {\"op\":\"CLOSE_DEVNULL\"}, $TAIL_OPS,
 {\"op\":\"WAIT_FIFO\"}, $(sh_exec 'echo started; echo fds: $(ls /proc/self/fd)')]" | mkplan
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
run "mount error" mnt "[$ROOT_OPS, {\"op\":\"MOUNT\",\"source\":\"none\",\"dest\":\"/x\",\"fstype\":\"nosuchfs\"}]"
expect "failed mount reported with its step" 1 "error step=5 op=9 errno=19 detail=mount none (nosuchfs) on /x"
run "no symlink dest" mnt "[$ROOT_OPS, {\"op\":\"MOUNT\",\"source\":\"proc\",\"dest\":\"/proclink/p\",\"fstype\":\"proc\",\"mflags\":\"MF_DEST_NO_SYMLINK\"}]"
expect "MF_DEST_NO_SYMLINK refuses a symlinked destination" 1 "error step=5 op=9 errno=40"
run "not found" mnt "[$ROOT_OPS, {\"op\":\"PIVOT_ROOT\"}, {\"op\":\"RESOLVE_EXEC\",\"argv0\":\"nosuch\",\"searchPath\":\"/bin\"}]"
expect "RESOLVE_EXEC: not in PATH" 1 'detail=exec: "nosuch": executable file not found in $PATH'
run "not found /" mnt "[$ROOT_OPS, {\"op\":\"PIVOT_ROOT\"}, {\"op\":\"RESOLVE_EXEC\",\"argv0\":\"/bin/nosuch\",\"searchPath\":\"/bin\"}]"
expect "RESOLVE_EXEC: absolute path" 1 "errno=2 detail=stat /bin/nosuch: no such file or directory"
printf 'TSRW' > "$T/plan"
$B/spawn-test -n mnt "$INIT" "$T/plan" > "$T/out" 2>&1
RC=$?
expect "malformed plan reported as STEP_READ_PLAN" 1 "error step=-1 op=0"

# --- process attributes, sysctl, --no-pivot, fork into a new pid namespace ---
run "process" mnt,ipc,net,uts "[$ROOT_OPS, {\"op\":\"MOVE_ROOT\"},
 {\"op\":\"SYSCTL\",\"key\":\"net/ipv4/ip_forward\",\"value\":\"1\"}, {\"op\":\"OOM_SCORE_ADJ\",\"value\":500},
 {\"op\":\"RLIMIT\",\"resource\":\"RLIMIT_NOFILE\",\"soft\":1000,\"hard\":2000},
 {\"op\":\"UMASK\",\"mask\":23}, {\"op\":\"UNSHARE\",\"flags\":\"CLONE_NEWPID\"}, {\"op\":\"FORK\"}, {\"op\":\"SETSID\"},
 {\"op\":\"CAPS_BOUNDING\",\"bounding\":$((1 << 7 | 1 << 6))}, {\"op\":\"IDENTITY\",\"uid\":1000,\"gid\":1000,\"groups\":[1000,27]},
 {\"op\":\"CAPS\",\"permitted\":$((1 << 7)),\"inheritable\":$((1 << 7)),\"ambient\":$((1 << 7))},
 {\"op\":\"NO_NEW_PRIVS\"}, $TAIL_OPS,
 $(sh_exec 'echo pid=$$ id=$(id -u):$(id -g) groups=$(id -G); cat /proc/sys/net/ipv4/ip_forward /proc/self/oom_score_adj; ulimit -n; umask; grep -E \"^(CapBnd|CapAmb|NoNewPrivs)\" /proc/self/status')]"
expect "fork, identity, caps, rlimit, umask, sysctl, oom_score_adj" 0 "forked " "first exit 0" "pid=1 id=1000:1000 groups=1000 27" \
	"^1$" "^500$" "^1000$" "^0027$" "CapBnd:.*00000000000000c0" "CapAmb:.*0000000000000080" "NoNewPrivs:.1"

# --- a user namespace: bind remount keeps the locked flags ---
USERNS_ROOT_OPS=$(printf '%s' "$ROOT_OPS" | sed 's|{"op":"MKNOD","path":"/dev/null".*}|{"op":"MOUNT","source":"/dev/null","dest":"/dev/null","flags":"MS_BIND","mflags":"MF_BIND\|MF_DEST_FILE"}|')
userns_bind() { # the read-only bind of /etc/hostname, with mflags $1
	printf '{"op":"MOUNT","source":"/etc/hostname","dest":"/etc/hostname","flags":"MS_BIND|MS_RDONLY","mflags":"%s"}' "$1"
}
run "userns" user,mnt,pid,uts,ipc "[$USERNS_ROOT_OPS, $(userns_bind 'MF_BIND|MF_DEST_FILE|MF_KEEP_LOCKED'),
 {\"op\":\"PIVOT_ROOT\"}, {\"op\":\"MASK_PATH\",\"path\":\"/proc/timer_list\"}, $TAIL_OPS,
 $(sh_exec 'echo uid=$(id -u); wc -c < /proc/timer_list; echo > /etc/hostname')]"
expect "user namespace" 1 "uid=0" "^0$" "Read-only file system"
# The retry with the locked flags is the plan's to ask for. A nosuid mount of the host is
# locked nosuid in the user namespace: a read-only bind remount of a file on it fails with
# EPERM unless MF_KEEP_LOCKED lets the init retry with nosuid kept. The nosuid tmpfs lives
# in a private mount namespace of unshare(1), gone with it.
locked() { # NAME MFLAGS
	printf '%s' "[$USERNS_ROOT_OPS,
	 {\"op\":\"MOUNT\",\"source\":\"$T/nosuid/f\",\"dest\":\"/etc/hostname\",\"flags\":\"MS_BIND|MS_RDONLY\",\"mflags\":\"$2\"},
	 {\"op\":\"PIVOT_ROOT\"}, $TAIL_OPS, $(sh_exec 'grep -c \" /etc/hostname .*ro,nosuid\" /proc/self/mountinfo')]" | mkplan
	mkdir -p "$T/nosuid"
	unshare -m --propagation private sh -c "mount -t tmpfs -o nosuid tmpfs '$T/nosuid' && touch '$T/nosuid/f' &&
		exec $B/spawn-test -n user,mnt,pid '$INIT' '$T/plan'" > "$T/out" 2>&1
	RC=$?
}
locked strict 'MF_BIND|MF_DEST_FILE'
expect "user namespace: without MF_KEEP_LOCKED the EPERM is reported" 1 "error step=5 op=9 errno=1 detail=remount /etc/hostname"
locked keep 'MF_BIND|MF_DEST_FILE|MF_KEEP_LOCKED'
expect "user namespace: MF_KEEP_LOCKED retries with the locked nosuid" 0 "^1$"

echo
[ $FAILS = 0 ] && echo "smoke: all passed" || echo "smoke: $FAILS failed"
[ $FAILS = 0 ]
