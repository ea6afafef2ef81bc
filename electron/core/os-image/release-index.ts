import type { GuestArch } from '../drivers/driver.js';
import { OsImageError } from './manifest.js';
import { compareReleaseVersions, isReleaseVersion, satisfiesMinimum } from './release-version.js';

/** The `format` this Dlite reads; an index with another number is refused. */
export const RELEASE_INDEX_FORMAT = 1;

/** One file of a release: where to get it and what it must be. */
export interface ReleaseFile {
  /** Plain file name in the installed version's folder (no path). */
  readonly name: string;
  /** Absolute http(s) URL, or relative to the index's URL. */
  readonly url: string;
  /** Bytes. */
  readonly size: number;
  /** Lowercase hex. */
  readonly sha256: string;
}

/** One DhyveOS version for one architecture. */
export interface ReleaseEntry {
  readonly version: string;
  readonly arch: GuestArch;
  /** The oldest Dlite that can boot this version. */
  readonly minDliteVersion: string;
  /** Always includes `manifest.json`, which names the boot files. */
  readonly files: readonly ReleaseFile[];
}

/** The release index: one JSON document listing every published version (build/os/README.md). */
export interface ReleaseIndex {
  readonly format: number;
  readonly versions: readonly ReleaseEntry[];
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const SHA256 = /^[0-9a-f]{64}$/;

function invalid(source: string, field: string, problem: string): OsImageError {
  return new OsImageError('release-index-invalid', `${source}: ${field}: ${problem}`);
}

function object(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

function parseFile(raw: unknown, field: string, source: string): ReleaseFile {
  const f = object(raw);
  if (f === null) throw invalid(source, field, 'must be an object');
  const { name, url, size, sha256 } = f;
  if (typeof name !== 'string' || !SAFE_NAME.test(name)) {
    throw invalid(source, `${field}.name`, `must be a plain file name, got ${JSON.stringify(name)}`);
  }
  if (typeof url !== 'string' || url === '' || /\s/.test(url)) {
    throw invalid(source, `${field}.url`, `must be a URL (absolute, or relative to the index)`);
  }
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw invalid(source, `${field}.size`, `must be a whole number of bytes, got ${JSON.stringify(size)}`);
  }
  if (typeof sha256 !== 'string' || !SHA256.test(sha256)) {
    throw invalid(source, `${field}.sha256`, 'must be 64 lowercase hex digits');
  }
  return { name, url, size, sha256 };
}

function parseEntry(raw: unknown, field: string, source: string): ReleaseEntry {
  const e = object(raw);
  if (e === null) throw invalid(source, field, 'must be an object');
  const { version, arch, minDliteVersion, files } = e;
  if (typeof version !== 'string' || !isReleaseVersion(version)) {
    throw invalid(
      source,
      `${field}.version`,
      `must be a release version such as 0.2.0, got ${JSON.stringify(version)}`,
    );
  }
  const at = `${field} (${version})`;
  if (arch !== 'amd64' && arch !== 'arm64') {
    throw invalid(source, `${at}.arch`, `must be amd64 or arm64, got ${JSON.stringify(arch)}`);
  }
  if (typeof minDliteVersion !== 'string' || !isReleaseVersion(minDliteVersion)) {
    throw invalid(
      source,
      `${at}.minDliteVersion`,
      `must be a release version, got ${JSON.stringify(minDliteVersion)}`,
    );
  }
  if (!Array.isArray(files) || files.length === 0) {
    throw invalid(source, `${at}.files`, 'must be a non-empty list');
  }
  const parsed = files.map((f, i) => parseFile(f, `${at}.files[${i}]`, source));
  const names = new Set<string>();
  for (const f of parsed) {
    if (names.has(f.name)) throw invalid(source, `${at}.files`, `lists ${f.name} twice`);
    names.add(f.name);
  }
  if (!names.has('manifest.json')) throw invalid(source, `${at}.files`, 'must include manifest.json');
  return { version, arch, minDliteVersion, files: parsed };
}

/**
 * Parses and checks a release index. Throws an {@link OsImageError} `release-index-invalid` whose
 * one-line message names `source` and the first bad field (`versions[1] (0.2.0).files[0].sha256:
 * must be 64 lowercase hex digits`). Unknown fields are ignored, so later formats may add some.
 */
export function parseReleaseIndex(text: string, source = 'release index'): ReleaseIndex {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new OsImageError('release-index-invalid', `${source}: not valid JSON (${(e as Error).message})`);
  }
  const doc = object(raw);
  if (doc === null) throw invalid(source, 'index', 'must be a JSON object');
  if (doc['format'] !== RELEASE_INDEX_FORMAT) {
    throw invalid(
      source,
      'format',
      `must be ${RELEASE_INDEX_FORMAT}, got ${JSON.stringify(doc['format'])} (a newer Dlite may read it)`,
    );
  }
  const list = doc['versions'];
  if (!Array.isArray(list)) throw invalid(source, 'versions', 'must be a list');
  const versions = list.map((v, i) => parseEntry(v, `versions[${i}]`, source));
  const seen = new Set<string>();
  for (const v of versions) {
    const key = `${v.version}/${v.arch}`;
    if (seen.has(key)) throw invalid(source, 'versions', `lists ${v.version} for ${v.arch} twice`);
    seen.add(key);
  }
  return { format: RELEASE_INDEX_FORMAT, versions };
}

/** Resolves a file's URL against the index's URL; only http(s) is accepted. */
export function resolveFileUrl(indexUrl: string, file: ReleaseFile): string {
  let url: URL;
  try {
    url = new URL(file.url, indexUrl);
  } catch {
    throw new OsImageError(
      'release-index-invalid',
      `${indexUrl}: ${file.name}: url ${JSON.stringify(file.url)} is not a URL`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new OsImageError(
      'release-index-invalid',
      `${indexUrl}: ${file.name}: url must be http(s), got ${url.protocol}`,
    );
  }
  return url.href;
}

export interface SelectOptions {
  readonly arch: GuestArch;
  /** This Dlite's version. */
  readonly dliteVersion: string;
  /** `latest`, or an exact version. */
  readonly want: string;
}

export interface Selection {
  readonly entry: ReleaseEntry;
  /** Newer versions for this arch that need a newer Dlite (`0.3.0 needs Dlite 0.2.0 or newer`). */
  readonly skipped: readonly string[];
}

/**
 * Picks the release to install: the exact `want` for this arch, or (for `latest`) the newest
 * version for this arch whose `minDliteVersion` this Dlite meets. Throws `os-version-not-found`
 * (no such version, or nothing for this arch) or `os-incompatible` (only for another arch, or it
 * needs a newer Dlite), naming the versions there are.
 */
export function selectRelease(index: ReleaseIndex, opts: SelectOptions): Selection {
  const forArch = index.versions
    .filter((v) => v.arch === opts.arch)
    .sort((a, b) => compareReleaseVersions(b.version, a.version));
  const needs = (v: ReleaseEntry): string => `${v.version} needs Dlite ${v.minDliteVersion} or newer`;
  const fits = (v: ReleaseEntry): boolean => satisfiesMinimum(opts.dliteVersion, v.minDliteVersion);
  if (opts.want !== 'latest') {
    const exact = forArch.find((v) => v.version === opts.want);
    if (exact === undefined) {
      const other = index.versions.filter((v) => v.version === opts.want).map((v) => v.arch);
      if (other.length > 0) {
        throw new OsImageError(
          'os-incompatible',
          `DhyveOS ${opts.want} is published for ${other.join(', ')} only; this machine needs ${opts.arch}`,
        );
      }
      const known = forArch.map((v) => v.version);
      throw new OsImageError(
        'os-version-not-found',
        `DhyveOS ${opts.want} is not in the release index (${known.length > 0 ? `${opts.arch} versions: ${known.join(', ')}` : `nothing for ${opts.arch}`})`,
      );
    }
    if (!fits(exact)) {
      throw new OsImageError(
        'os-incompatible',
        `DhyveOS ${needs(exact)}; this is Dlite ${opts.dliteVersion}`,
      );
    }
    return { entry: exact, skipped: [] };
  }
  const entry = forArch.find(fits);
  if (entry === undefined) {
    if (forArch.length > 0) {
      throw new OsImageError(
        'os-incompatible',
        `Every DhyveOS release for ${opts.arch} needs a newer Dlite (${forArch.map(needs).join('; ')}); this is Dlite ${opts.dliteVersion}`,
      );
    }
    throw new OsImageError('os-version-not-found', `The release index has no DhyveOS for ${opts.arch}`);
  }
  const skipped = forArch.filter((v) => compareReleaseVersions(v.version, entry.version) > 0).map(needs);
  return { entry, skipped };
}
