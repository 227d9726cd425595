/** The runtime-spec version tsrunc implements (`tsrunc --version`, `features`, `state`). */
export const SPEC_VERSION = '1.2.1';

/** The oldest runtime-spec version whose bundles tsrunc runs (`features` ociVersionMin). */
export const SPEC_VERSION_MIN = '1.0.0';
