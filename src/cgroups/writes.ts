/**
 * The common shape of every resource setting: one write of one value to one cgroup
 * file, tagged with the controller whose directory it goes to and the spec field it
 * comes from (so an error can name `linux.resources.memory.limit`, not `memory.max`).
 * The v1 and v2 translations produce these; resources.ts performs them.
 */
import { TsruncError } from '../errors.js';

export interface CgroupWrite {
  /** The controller that owns the file (v1 hierarchy name, or v2 prefix; "cgroup" for core files). */
  controller: string;
  file: string;
  value: string;
  /** The field below linux.resources, e.g. "memory.limit". */
  field: string;
  /** errno codes that are not an error for this write (a write that is retried later, an optional file). */
  tolerate?: string[];
}

/** Where the resources came from, for messages: "config.json: linux.resources" or "update". */
export interface Source {
  prefix: string;
}

export const CONFIG_SOURCE: Source = { prefix: 'config.json: linux.resources' };

export function fieldError(src: Source, field: string, what: string, hint = ''): TsruncError {
  return new TsruncError('EBUNDLE_CGROUP', `${src.prefix}.${field}: ${what}`, hint);
}

/** Does the container's cgroup (in the hierarchy of `controller`) have this file? */
export type HasFile = (controller: string, file: string) => boolean;

/** runc's numToStr for v2 files: 0 is "not set", -1 is "max". */
export function v2Number(v: number | undefined): string | undefined {
  if (v === undefined || v === 0) return undefined;
  return v === -1 ? 'max' : String(v);
}

/** A byte count: a whole number, or -1 for "unlimited". */
export function checkLimit(src: Source, field: string, v: number | undefined): void {
  if (v === undefined) return;
  if (!Number.isSafeInteger(v) || v < -1) throw fieldError(src, field, `must be a whole number of bytes, or -1 for no limit (got ${v})`);
}

/** The cpuset list syntax: "0-3,7". */
export function checkCpuList(src: Source, field: string, v: string | undefined): void {
  if (v === undefined || v === '') return;
  if (!/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(v.trim())) {
    throw fieldError(src, field, `"${v}" is not a list such as 0-3,7`);
  }
  for (const part of v.trim().split(',')) {
    const [a, b] = part.split('-').map(Number);
    if (b !== undefined && b < a!) throw fieldError(src, field, `"${part}" is a descending range`);
  }
}
