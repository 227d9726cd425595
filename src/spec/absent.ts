/**
 * Null as absent: Go's encoding/json writes `null` for a nil slice, map or pointer
 * (`"args": null` in containers-common's seccomp profile, `"rlimits": null` from a
 * kubelet), and runc and crun read it as if the field were not there. Before validation,
 * every null in an optional property is dropped, at the places the generated table says
 * (scripts/gen-spec.mjs, nullShapes). A null in a required property, an array item or a
 * map value is kept, so the schema reports it ("process.args: must be an array (got null)").
 */
import type { NullShape } from './generated/validators.js';

/** Drops, in place, the null optional properties of `data` (nodes[at] describes it). */
export function dropNullOptionals(data: unknown, nodes: readonly NullShape[], at = 0): void {
  const node = nodes[at];
  if (node === undefined || data === null || typeof data !== 'object') return;
  if (Array.isArray(data)) {
    if (node.i !== undefined) for (const item of data) dropNullOptionals(item, nodes, node.i);
    return;
  }
  // Wrong shapes (an array for an object, …) are left as they are: the validator names them.
  const obj = data as Record<string, unknown>;
  for (const k of node.o ?? []) if (obj[k] === null && Object.hasOwn(obj, k)) delete obj[k];
  const props = node.p ?? {};
  for (const [k, child] of Object.entries(props)) if (Object.hasOwn(obj, k)) dropNullOptionals(obj[k], nodes, child);
  if (node.m !== undefined) {
    for (const [k, v] of Object.entries(obj)) if (!Object.hasOwn(props, k)) dropNullOptionals(v, nodes, node.m);
  }
}
