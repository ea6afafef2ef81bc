import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';

import type { ErrorDetails } from '../../shared/errors.js';
import type { GuestArch } from '../drivers/driver.js';
import { DliteError } from '../dlite-error.js';

/** `manifest.json` written by `build/os/build.sh`. */
export interface OsManifest {
  readonly name: string;
  readonly version: string;
  readonly arch: GuestArch;
  readonly kernelVersion: string;
  readonly dockerVersion: string;
  readonly boot: { readonly kernel: string; readonly initrd: string; readonly console: string };
  readonly files: Readonly<Record<string, { readonly size: number; readonly sha256: string }>>;
}

/** Why an OS image cannot be installed or used; `code` is the ErrorDto code it crosses processes as. */
export type OsImageErrorCode =
  | 'os-image-missing'
  | 'image-digest-mismatch'
  | 'download-failed'
  | 'disk-full'
  | 'release-index-invalid'
  | 'os-version-not-found'
  | 'os-incompatible'
  | 'cancelled';

/** A missing, corrupt or undownloadable OS image; `details` names the file, URL and digests. */
export class OsImageError extends DliteError {
  override name = 'OsImageError';
  constructor(code: OsImageErrorCode, message: string, details: ErrorDetails = {}) {
    super(code, message, details);
  }
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function field(obj: unknown, key: string, file: string): unknown {
  const value = (obj as Record<string, unknown> | null)?.[key];
  if (value === undefined) throw new OsImageError('os-image-missing', `${file}: missing field '${key}'`);
  return value;
}

function str(obj: unknown, key: string, file: string, pattern?: RegExp): string {
  const value = field(obj, key, file);
  if (typeof value !== 'string' || (pattern && !pattern.test(value))) {
    throw new OsImageError('os-image-missing', `${file}: field '${key}' is not valid`);
  }
  return value;
}

/** Parses and checks a manifest; every file name must be a plain name (no path traversal). */
export function parseManifest(text: string, file = 'manifest.json'): OsManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new OsImageError('os-image-missing', `${file}: not valid JSON (${(e as Error).message})`);
  }
  const arch = str(raw, 'arch', file);
  if (arch !== 'amd64' && arch !== 'arm64') {
    throw new OsImageError('os-image-missing', `${file}: field 'arch' must be amd64 or arm64`);
  }
  const boot = field(raw, 'boot', file);
  const filesRaw = field(raw, 'files', file);
  if (typeof filesRaw !== 'object' || filesRaw === null) {
    throw new OsImageError('os-image-missing', `${file}: field 'files' is not an object`);
  }
  const files: Record<string, { size: number; sha256: string }> = {};
  for (const [name, entry] of Object.entries(filesRaw as Record<string, unknown>)) {
    if (!SAFE_NAME.test(name)) {
      throw new OsImageError('os-image-missing', `${file}: file name '${name}' is not allowed`);
    }
    const size = field(entry, 'size', file);
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
      throw new OsImageError('os-image-missing', `${file}: files.${name}.size is not valid`);
    }
    files[name] = { size, sha256: str(entry, 'sha256', file, /^[0-9a-f]{64}$/) };
  }
  const manifest: OsManifest = {
    name: str(raw, 'name', file),
    version: str(raw, 'version', file, SAFE_NAME),
    arch,
    kernelVersion: str(raw, 'kernelVersion', file),
    dockerVersion: str(raw, 'dockerVersion', file),
    boot: {
      kernel: str(boot, 'kernel', file, SAFE_NAME),
      initrd: str(boot, 'initrd', file, SAFE_NAME),
      console: str(boot, 'console', file),
    },
    files,
  };
  for (const name of [manifest.boot.kernel, manifest.boot.initrd]) {
    if (!(name in files)) {
      throw new OsImageError('os-image-missing', `${file}: boot file '${name}' is not listed in 'files'`);
    }
  }
  return manifest;
}

export async function readManifest(dir: string): Promise<OsManifest> {
  const file = path.join(dir, 'manifest.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new OsImageError('os-image-missing', `No OS image in ${dir} (manifest.json is missing)`);
  }
  return parseManifest(text, file);
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Checks every file's size and sha256 against the manifest; throws naming the first mismatch. */
export async function verifyImageDir(
  dir: string,
  manifest: OsManifest,
  opts: { digests: boolean } = { digests: true },
): Promise<void> {
  for (const [name, expected] of Object.entries(manifest.files)) {
    const file = path.join(dir, name);
    const st = await stat(file).catch(() => null);
    if (st === null) throw new OsImageError('os-image-missing', `OS image file ${file} is missing`);
    if (st.size !== expected.size) {
      throw new OsImageError(
        'image-digest-mismatch',
        `${file} is ${st.size} bytes, the manifest says ${expected.size}`,
      );
    }
    if (opts.digests && (await sha256File(file)) !== expected.sha256) {
      throw new OsImageError('image-digest-mismatch', `${file} does not match the sha256 in its manifest`);
    }
  }
}
