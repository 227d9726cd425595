/**
 * What the cgroup drivers know of the host: the hierarchies (layout), tsrunc's own
 * cgroups, and a read-only view of cgroupfs. Read once per command; planning sees the
 * host only through these, so unit tests plan a v2 or a hybrid host from literals.
 */
import fs from 'node:fs';
import { type HostLayout, hostLayout } from './layout.js';
import { ownUnifiedCgroup } from './unified.js';

/**
 * The cgroup tree as planning may look at it: what exists at the container's would-be
 * place and what the nearest existing cgroup offers. Live for commands; a literal in tests.
 */
export interface CgroupTree {
  /** Whether the directory (or file) exists. */
  exists(p: string): boolean;
  /** A file's text, or undefined when it cannot be read. */
  read(file: string): string | undefined;
}

export interface CgroupFacts {
  layout: HostLayout;
  /** tsrunc's own cgroup in the unified hierarchy ("/" when there is none). */
  ownUnified: string;
  tree: CgroupTree;
}

/** The host facts the driver choice depends on (a part of the host's HostFacts). */
export interface DriverFacts {
  cgroup: CgroupFacts;
  /** The effective uid (rootless: not 0). */
  euid: number;
  /** tsrunc runs in a user namespace that is not the initial one (rootless podman). */
  inUserNs: boolean;
  /** systemd is the init (/run/systemd/system exists): the systemd driver can be used. */
  systemdBooted: boolean;
}

export const LIVE_TREE: CgroupTree = {
  exists: (p) => fs.existsSync(p),
  read(file) {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
  },
};

export function readCgroupFacts(): CgroupFacts {
  return { layout: hostLayout(), ownUnified: ownUnifiedCgroup(), tree: LIVE_TREE };
}
