import { describe, expect, it } from 'vitest';

import {
  parseReleaseIndex,
  resolveFileUrl,
  selectRelease,
  type ReleaseIndex,
} from '../../../electron/core/os-image/release-index.js';

const SHA = 'a'.repeat(64);
const file = (name: string, url = name) => ({ name, url, size: 10, sha256: SHA });
const entry = (version: string, arch = 'amd64', minDliteVersion = '0.1.0') => ({
  version,
  arch,
  minDliteVersion,
  files: [file('bzImage'), file('rootfs.cpio.zst'), file('manifest.json')],
});
const text = (versions: unknown[], extra: Record<string, unknown> = {}) =>
  JSON.stringify({ format: 1, versions, ...extra });

function parseError(doc: string): string {
  try {
    parseReleaseIndex(doc, 'index.json');
  } catch (e) {
    expect((e as { code: string }).code).toBe('release-index-invalid');
    return (e as Error).message;
  }
  throw new Error('expected the index to be refused');
}

describe('release index', () => {
  it('parses versions, files and the minimum Dlite; ignores fields it does not know', () => {
    const index = parseReleaseIndex(text([{ ...entry('0.2.0'), notes: 'trixie' }], { name: 'dlite-os' }));
    expect(index.versions).toEqual([
      {
        version: '0.2.0',
        arch: 'amd64',
        minDliteVersion: '0.1.0',
        files: [file('bzImage'), file('rootfs.cpio.zst'), file('manifest.json')],
      },
    ]);
  });

  it.each([
    ['{', /^index\.json: not valid JSON \(/],
    ['[]', /^index\.json: index: must be a JSON object$/],
    [
      JSON.stringify({ format: 2, versions: [] }),
      /^index\.json: format: must be 1, got 2 \(a newer Dlite may read it\)$/,
    ],
    [JSON.stringify({ format: 1 }), /^index\.json: versions: must be a list$/],
    [
      text([{ ...entry('0.2'), version: 'v0.2.0' }]),
      /^index\.json: versions\[0\]\.version: must be a release version such as 0\.2\.0, got "v0\.2\.0"$/,
    ],
    [
      text([entry('0.2.0', 'x86')]),
      /^index\.json: versions\[0\] \(0\.2\.0\)\.arch: must be amd64 or arm64, got "x86"$/,
    ],
    [
      text([entry('0.2.0', 'amd64', 'latest')]),
      /^index\.json: versions\[0\] \(0\.2\.0\)\.minDliteVersion: must be a release version/,
    ],
    [
      text([{ ...entry('0.2.0'), files: [] }]),
      /^index\.json: versions\[0\] \(0\.2\.0\)\.files: must be a non-empty list$/,
    ],
    [
      text([{ ...entry('0.2.0'), files: [file('../bzImage')] }]),
      /\.files\[0\]\.name: must be a plain file name, got "\.\.\/bzImage"$/,
    ],
    [
      text([{ ...entry('0.2.0'), files: [{ ...file('bzImage'), sha256: 'ABC' }] }]),
      /\.files\[0\]\.sha256: must be 64 lowercase hex digits$/,
    ],
    [
      text([{ ...entry('0.2.0'), files: [{ ...file('bzImage'), size: -1 }] }]),
      /\.files\[0\]\.size: must be a whole number of bytes, got -1$/,
    ],
    [
      text([{ ...entry('0.2.0'), files: [{ ...file('bzImage'), url: '' }] }]),
      /\.files\[0\]\.url: must be a URL/,
    ],
    [
      text([{ ...entry('0.2.0'), files: [file('bzImage'), file('bzImage')] }]),
      /\.files: lists bzImage twice$/,
    ],
    [
      text([{ ...entry('0.2.0'), files: [file('bzImage')] }]),
      /\(0\.2\.0\)\.files: must include manifest\.json$/,
    ],
    [text([entry('0.2.0'), entry('0.2.0')]), /^index\.json: versions: lists 0\.2\.0 for amd64 twice$/],
  ])('refuses %s with one line naming the field', (doc, message) => {
    const line = parseError(doc);
    expect(line).toMatch(message);
    expect(line).not.toContain('\n');
  });

  it('resolves file URLs against the index URL, absolute ones as they are', () => {
    const base = 'https://example.com/releases/latest/download/index.json';
    expect(resolveFileUrl(base, file('bzImage', '0.2.0/amd64/bzImage'))).toBe(
      'https://example.com/releases/latest/download/0.2.0/amd64/bzImage',
    );
    expect(resolveFileUrl(base, file('bzImage', 'https://cdn.example.org/os/bzImage'))).toBe(
      'https://cdn.example.org/os/bzImage',
    );
    expect(() => resolveFileUrl(base, file('bzImage', 'file:///etc/passwd'))).toThrow(
      /url must be http\(s\), got file:/,
    );
  });
});

describe('selectRelease', () => {
  const index: ReleaseIndex = parseReleaseIndex(
    text([
      entry('0.1.0'),
      entry('0.10.0'),
      entry('0.9.0'),
      entry('0.11.0-rc.1'),
      entry('0.12.0', 'amd64', '0.2.0'),
      entry('0.13.0', 'arm64'),
    ]),
  );
  const select = (want: string, arch: 'amd64' | 'arm64' = 'amd64', dliteVersion = '0.1.0') =>
    selectRelease(index, { arch, dliteVersion, want });

  it('picks the newest version for this arch that this Dlite supports (by semver)', () => {
    const s = select('latest');
    expect(s.entry.version).toBe('0.11.0-rc.1');
    expect(s.skipped).toEqual(['0.12.0 needs Dlite 0.2.0 or newer']);
    expect(select('latest', 'amd64', '0.2.0').entry.version).toBe('0.12.0');
    expect(select('latest', 'arm64').entry.version).toBe('0.13.0');
  });

  it('picks an exact version', () => {
    expect(select('0.9.0').entry.version).toBe('0.9.0');
  });

  it('says a version is not there, listing what is', () => {
    expect(() => select('0.5.0')).toThrow(
      expect.objectContaining({
        code: 'os-version-not-found',
        message:
          'DhyveOS 0.5.0 is not in the release index (amd64 versions: 0.12.0, 0.11.0-rc.1, 0.10.0, 0.9.0, 0.1.0)',
      }),
    );
  });

  it('says a version is for another arch only', () => {
    expect(() => select('0.13.0')).toThrow(
      expect.objectContaining({
        code: 'os-incompatible',
        message: 'DhyveOS 0.13.0 is published for arm64 only; this machine needs amd64',
      }),
    );
  });

  it('refuses a version that needs a newer Dlite', () => {
    expect(() => select('0.12.0')).toThrow(
      expect.objectContaining({
        code: 'os-incompatible',
        message: 'DhyveOS 0.12.0 needs Dlite 0.2.0 or newer; this is Dlite 0.1.0',
      }),
    );
  });

  it('says when the channel has nothing for this arch', () => {
    const armOnly = parseReleaseIndex(text([entry('0.1.0', 'arm64')]));
    expect(() => selectRelease(armOnly, { arch: 'amd64', dliteVersion: '0.1.0', want: 'latest' })).toThrow(
      expect.objectContaining({
        code: 'os-version-not-found',
        message: 'The release index has no DhyveOS for amd64',
      }),
    );
  });
});
