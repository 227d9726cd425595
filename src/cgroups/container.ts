/**
 * What the container lifecycle (src/container/) asks of cgroups, in the order create
 * does it: plan and validate (no side effect), create and apply, place the init in the
 * v1 hierarchies; and later update, freeze, signal and destroy. Every other file in
 * cgroups/ is one concern behind this one.
 */
import type { LinuxResources, Spec } from '../spec/generated/types.js';
import { type CgroupSet, foreignError, planCgroupSet } from './cgroup-set.js';
import { devicePolicy } from './devices/rules.js';
import { type HostLayout, hostLayout } from './layout.js';
import { applyResources, checkControllers, hasIn, placementOf, translate } from './resources.js';
import { checkSetUsable, createSet, joinV1 } from './setup.js';
import { ownUnifiedCgroup } from './unified.js';
import { CONFIG_SOURCE, type Source } from './writes.js';

export type { CgroupSet };
export { joinV1 };

export interface PlannedCgroups {
  set: CgroupSet;
  layout: HostLayout;
  warnings: string[];
}

/**
 * Where the container's cgroups go and whether its resources can be applied there:
 * every error (a bad value, a missing controller, a busy cgroup) comes out here, before
 * create takes anything.
 */
export function planContainerCgroups(spec: Spec, id: string): PlannedCgroups | undefined {
  const layout = hostLayout();
  const planned = planCgroupSet(layout, spec.linux?.cgroupsPath, id, ownUnifiedCgroup());
  const { set } = planned;
  const resources = spec.linux?.resources;
  if (resources && Object.keys(resources).length > 0) set.resources = resources;
  const routed = translate(resources ?? {}, placementOf(layout), hasIn(set), CONFIG_SOURCE);
  checkControllers(routed, set, CONFIG_SOURCE, planned.foreign, (c, own, field) => foreignError(c, own, field, spec.linux?.cgroupsPath));
  devicePolicy(resources?.devices ?? [], CONFIG_SOURCE);
  if (!set.unified && !set.v1) return undefined;
  checkSetUsable(set);
  return { set, layout, warnings: [...planned.warnings, ...routed.warnings] };
}

/** Creates the directories (recorded in the intent before) and applies the resources and device rules. */
export function setUpCgroups(p: PlannedCgroups): void {
  createSet(p.set);
  applyResources(p.set, p.layout, p.set.resources ?? {}, CONFIG_SOURCE, true);
}

/** Applies `r` to a running container; devices only when the update has them. Returns warnings. */
export function updateCgroups(set: CgroupSet, r: LinuxResources, src: Source): string[] {
  return applyResources(set, hostLayout(), r, src, r.devices !== undefined);
}

export { setFrozen, isFrozen } from './freeze.js';
export { containerPids, signalAll } from './signal.js';
export { destroyCgroups } from './teardown.js';
