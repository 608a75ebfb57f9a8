/**
 * What some tests need from the machine (a Slurm cluster, a chromium) and whether this run must
 * have it. On a developer's machine a missing one skips those tests, with the reason in the run's
 * summary; where the run says it installed them (.ci/run exports TRELLIS_REQUIRE=slurm,chromium),
 * a missing one fails the run instead of skipping quietly.
 */
export type Capability = 'slurm' | 'chromium' | 'softhsm2' | 'alertmanager';

/** The capabilities this run must have: TRELLIS_REQUIRE, comma-separated. */
export function requiredCapabilities(): Set<string> {
  return new Set(
    (process.env.TRELLIS_REQUIRE ?? '')
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean),
  );
}

/**
 * The `skip` option of tests that need `capability`: false when it is there (`missing` is false
 * or undefined), else the reason, in words — unless the run requires it, when this throws, so the
 * test file fails with the reason.
 */
export function skipUnless(capability: Capability, missing: string | false | undefined): string | false {
  if (!missing) return false;
  if (requiredCapabilities().has(capability))
    throw new Error(`${capability} is required in this run (TRELLIS_REQUIRE=${process.env.TRELLIS_REQUIRE}) but missing: ${missing}`);
  return missing;
}
