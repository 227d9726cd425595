#!/usr/bin/env python3
"""Encode a wire.h plan for hand tests of tsrunc-init.

Usage: mkplan.py < ops.json > plan.bin
ops.json is a JSON array of ops, each a list: ["MOUNT", source, dest, ...]
with the fields in wire order (wire-dump's order). Numbers may also be
strings naming constants: "MS_NOSUID|MS_NODEV", "S_IFCHR", "CLONE_NEWNS".
"""
import json
import struct
import sys

MAGIC, VERSION = 0x57525354, 1

# code, field kinds in wire order (wire.h)
OPS = {
    "SETNS": (1, "u64 str"), "UNSHARE": (2, "u64"), "FORK": (3, ""), "SYNC": (4, "u64"),
    "SETHOSTNAME": (5, "str"), "SETDOMAINNAME": (6, "str"), "PROPAGATION": (7, "str u64"),
    "ROOTFS": (8, "str"), "MOUNT": (9, "str str str u64 u64v str u64 u64 u64"),
    "MKNOD": (10, "str u64 u64 u64 u64 u64 u64"), "SYMLINK": (11, "str str"),
    "PIVOT_ROOT": (12, ""), "MOVE_ROOT": (13, ""), "MASK_PATH": (14, "str"),
    "READONLY_PATH": (15, "str"), "ROOT_READONLY": (16, ""), "SYSCTL": (17, "str str"),
    "RLIMIT": (18, "u64 u64 u64"), "OOM_SCORE_ADJ": (19, "u64"), "CHDIR": (20, "str"),
    "IDENTITY": (21, "u64 u64 u64v"), "UMASK": (22, "u64"), "CAPS_BOUNDING": (23, "u64"),
    "CAPS": (24, "u64 u64 u64 u64"), "NO_NEW_PRIVS": (25, ""), "FIFO_OPEN": (26, "str"),
    "RESOLVE_EXEC": (27, "str str"), "DETACH": (28, ""), "WAIT_FIFO": (29, ""),
    "EXEC": (30, "strv strv"), "TIMENS_OFFSET": (31, "u64 u64 u64"), "SETSID": (32, ""),
    "CLOSE_DEVNULL": (33, ""),
}

CONST = {
    "MS_RDONLY": 1, "MS_NOSUID": 2, "MS_NODEV": 4, "MS_NOEXEC": 8, "MS_REMOUNT": 32,
    "MS_NOATIME": 1024, "MS_BIND": 4096, "MS_MOVE": 8192, "MS_REC": 16384,
    "MS_UNBINDABLE": 1 << 17, "MS_PRIVATE": 1 << 18, "MS_SLAVE": 1 << 19, "MS_SHARED": 1 << 20,
    "MS_RELATIME": 1 << 21, "MS_STRICTATIME": 1 << 24,
    "S_IFIFO": 0o010000, "S_IFCHR": 0o020000, "S_IFBLK": 0o060000,
    "CLONE_NEWTIME": 0x80, "CLONE_NEWNS": 0x20000, "CLONE_NEWCGROUP": 0x02000000,
    "CLONE_NEWUTS": 0x04000000, "CLONE_NEWIPC": 0x08000000, "CLONE_NEWUSER": 0x10000000,
    "CLONE_NEWPID": 0x20000000, "CLONE_NEWNET": 0x40000000,
    "MF_BIND": 1, "MF_DEST_FILE": 2, "MF_DEST_NO_SYMLINK": 4,
    "MOUNT_ATTR_RDONLY": 1, "MOUNT_ATTR_NOSUID": 2, "MOUNT_ATTR_NODEV": 4, "MOUNT_ATTR_NOEXEC": 8,
    "RLIMIT_NOFILE": 7, "CLOCK_MONOTONIC": 1, "CLOCK_BOOTTIME": 7,
}


def num(v):
    if isinstance(v, str):
        return sum(CONST[p.strip()] if not p.strip().isdigit() else int(p) for p in v.split("|"))
    return v & 0xFFFFFFFFFFFFFFFF


def s(v):
    b = v.encode()
    return struct.pack("<I", len(b)) + b + b"\0"


def field(kind, v):
    if kind == "u64":
        return struct.pack("<Q", num(v))
    if kind == "str":
        return s(v)
    if kind == "strv":
        return struct.pack("<I", len(v)) + b"".join(s(x) for x in v)
    if kind == "u64v":
        return struct.pack("<I", len(v)) + b"".join(struct.pack("<Q", num(x)) for x in v)
    raise ValueError(kind)


def encode(ops):
    out = struct.pack("<III", MAGIC, VERSION, len(ops))
    for name, *vals in ops:
        code, kinds = OPS[name]
        kinds = kinds.split()
        if len(kinds) != len(vals):
            raise SystemExit(f"mkplan: {name} takes {len(kinds)} fields, got {len(vals)}")
        body = b"".join(field(k, v) for k, v in zip(kinds, vals))
        out += struct.pack("<II", code, len(body)) + body
    return out


if __name__ == "__main__":
    sys.stdout.buffer.write(encode(json.load(sys.stdin)))
