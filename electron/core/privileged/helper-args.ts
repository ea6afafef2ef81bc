import { isIPv4 } from 'node:net';
import path from 'node:path';

import { isValidHostname, isValidUuid } from '../boot/cmdline.js';
import { isValidUserName } from '../drivers/xhyve/launcher.js';
import { isNetmask } from '../drivers/vmnet/subnet.js';
import { isExportablePath } from '../integration/exports.js';

/** An argument the privileged helper refuses; nothing has been touched when this is thrown. */
export class HelperArgumentError extends Error {
  override readonly name = 'HelperArgumentError';
}

/** Longest path the helper accepts, in bytes. */
export const MAX_PATH_BYTES = 1024;

function hasControl(v: string): boolean {
  return [...v].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
}

function refuse(what: string, value: string, rule: string): never {
  throw new HelperArgumentError(`${what}: ${JSON.stringify(value.slice(0, 80))} ${rule}`);
}

/** Each check returns the value (normalised) or throws {@link HelperArgumentError} naming the argument. */
export const check = {
  uuid: (v: string): string => (isValidUuid(v) ? v.toLowerCase() : refuse('uuid', v, 'is not a uuid')),
  hostname: (v: string): string =>
    isValidHostname(v)
      ? v.toLowerCase()
      : refuse('hostname', v, 'is not a host name (letters, digits, - and .)'),
  ipv4: (what: string, v: string): string =>
    isIPv4(v) && v.split('.').every((o) => o === String(Number(o)))
      ? v
      : refuse(what, v, 'is not an IPv4 address'),
  netmask: (v: string): string => (isNetmask(v) ? v : refuse('mask', v, 'is not a netmask')),
  /** An absolute, normalised path (no `..`, no `//`), without control characters. */
  absolutePath: (what: string, v: string): string => {
    if (Buffer.byteLength(v) > MAX_PATH_BYTES) refuse(what, v, `is longer than ${MAX_PATH_BYTES} bytes`);
    if (!path.isAbsolute(v) || path.normalize(v) !== v || hasControl(v)) {
      refuse(what, v, 'is not an absolute path without .., // or control characters');
    }
    return v;
  },
  exportPath: (v: string): string =>
    isExportablePath(check.absolutePath('share', v))
      ? v
      : refuse('share', v, 'cannot be written to /etc/exports'),
  /** A docker.sock of a Dlite home: an absolute path ending in `/docker.sock`. */
  dockerSocket: (v: string): string =>
    path.basename(check.absolutePath('target', v)) === 'docker.sock'
      ? v
      : refuse('target', v, 'is not a path ending in /docker.sock'),
  id: (what: string, v: string, min: number): number =>
    /^\d{1,10}$/.test(v) && Number(v) >= min && Number(v) < 2 ** 31
      ? Number(v)
      : refuse(what, v, `is not a number ≥ ${min}`),
  user: (v: string): string => (isValidUserName(v) ? v : refuse('user', v, 'is not a user name')),
};
