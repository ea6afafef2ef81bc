import semver from 'semver';

/**
 * True for a DhyveOS or Dlite version as releases name them: a semantic version
 * (`MAJOR.MINOR.PATCH`, optionally `-prerelease`) with no `v` prefix and no `+build` part
 * (build metadata does not order, so two releases could not be told apart).
 */
export function isReleaseVersion(value: unknown): boolean {
  return typeof value === 'string' && semver.valid(value) === value && !value.includes('+');
}

/** Orders release versions: negative when `a` is older than `b`, 0 when equal, positive when newer. */
export function compareReleaseVersions(a: string, b: string): number {
  return semver.compare(a, b);
}

/** True when `version` is at least `minimum` (both release versions). */
export function satisfiesMinimum(version: string, minimum: string): boolean {
  return semver.gte(version, minimum);
}
