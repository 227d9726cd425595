/**
 * The feature document (`tsrunc features`, runtime-spec features.md): what this build
 * does on this host, and nothing it does not do yet. One model, assembled from what each
 * part probes (seccomp from libseccomp and the kernel; capabilities and LSMs from the
 * host facts; cgroups from the drivers), and checked against spec/features.schema.json by the tests.
 */
import { cgroupFeatures } from '../cgroups/driver.js';
import { helper } from '../native/helper.js';
import { loadLibseccomp } from '../native/libseccomp.js';
import { CAPABILITIES } from '../plan/flags.js';
import { mountOptionNames } from '../plan/mount-options.js';
import { seccompFeatures } from '../seccomp/probe.js';
import type { Features } from '../spec/generated/types.js';
import { validateFeatures } from '../spec/generated/validators.js';
import { check } from '../spec/validate.js';
import { SPEC_VERSION, SPEC_VERSION_MIN } from '../spec/version.js';
import type { HostFacts } from './facts.js';

export type { Features };

export function features(facts: HostFacts): Features {
  const { seccomp, libseccompVersion } = seccompFeatures({ libseccomp: loadLibseccomp, flagSupported: (b) => helper().seccompFlagSupported(b) });
  const lsm = facts.lsm ?? { apparmor: false, selinux: false };
  return {
    ociVersionMin: SPEC_VERSION_MIN,
    ociVersionMax: SPEC_VERSION,
    hooks: ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'],
    mountOptions: mountOptionNames(),
    linux: {
      namespaces: ['cgroup', 'ipc', 'mount', 'network', 'pid', 'time', 'user', 'uts'],
      capabilities: CAPABILITIES.slice(0, facts.capLastCap + 1),
      cgroup: cgroupFeatures(),
      seccomp,
      apparmor: { enabled: lsm.apparmor },
      selinux: { enabled: lsm.selinux },
      intelRdt: { enabled: false },
      memoryPolicy: {
        modes: ['MPOL_DEFAULT', 'MPOL_BIND', 'MPOL_INTERLEAVE', 'MPOL_WEIGHTED_INTERLEAVE', 'MPOL_PREFERRED', 'MPOL_PREFERRED_MANY', 'MPOL_LOCAL'],
        flags: ['MPOL_F_NUMA_BALANCING', 'MPOL_F_RELATIVE_NODES', 'MPOL_F_STATIC_NODES'],
      },
      mountExtensions: { idmap: { enabled: false } },
    },
    annotations: {
      ...(libseccompVersion ? { 'io.github.seccomp.libseccomp.version': libseccompVersion } : {}),
    },
    potentiallyUnsafeConfigAnnotations: [],
  };
}

/** Checks a feature document against the schema; throws EFEATURES naming the first field at fault. */
export function validateFeaturesJson(data: unknown, file = 'features'): Features {
  return check(validateFeatures, 'validateFeatures', data, file, 'EFEATURES', 'the features document must follow runtime-spec features.md');
}
