/**
 * What the guest accepts on its kernel command line, checked the same way on the host: settings
 * validation and the command-line builder both use these, so a value the guest would skip is
 * refused when it is set, never saved to fail silently at boot. They mirror the shell functions in
 * build/os/rootfs/usr/lib/dlite/params (valid_hostname, the uuid pattern, share_path_problem);
 * test/unit/boot/guest-rules.test.ts runs both on the same table.
 */

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LABEL_RE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

/** Guest folders a share must not be mounted over (its system, its users' homes, the overlay). */
const SYSTEM_PREFIXES = [
  '/bin',
  '/dev',
  '/etc',
  '/proc',
  '/run',
  '/sbin',
  '/sys',
  '/usr',
  '/var',
  '/home/docker',
];
/** Names matched as prefixes of the first path element, as the guest's `/boot*`, `/lib*` patterns do. */
const SYSTEM_GLOBS = ['/boot', '/lib', '/lower', '/rw'];

/** RFC 1123 host name: dot-separated labels of 1–63 letters, digits and inner hyphens; ≤ 253 characters. */
export function isValidHostname(name: string): boolean {
  return name.length > 0 && name.length <= 253 && name.split('.').every((l) => LABEL_RE.test(l));
}

/** A uuid in 8-4-4-4-12 hex form (any case). */
export function isValidUuid(uuid: string): boolean {
  return UUID_RE.test(uuid);
}

/**
 * True when the guest's boot script takes `value` as a decoded parameter: non-empty printable
 * ASCII. Its check is `*[![:print:]]*` in busybox sh, where bytes of UTF-8 characters beyond ASCII
 * are not printable, so such a share path is skipped at boot.
 */
export function isPrintableAscii(value: string): boolean {
  return /^[\x20-\x7e]+$/.test(value);
}

/**
 * Why the guest would refuse to mount the share at `mountPoint` (the host's own path), or null
 * when it accepts it: printable ASCII on one line, absolute and normalized (no `.`/`..` parts, no
 * `//`, no trailing `/`), and not a system folder of the guest.
 */
export function shareMountProblem(mountPoint: string): string | null {
  if (!isPrintableAscii(mountPoint)) {
    return 'must be printable ASCII on one line (the VM skips other characters at boot)';
  }
  if (!mountPoint.startsWith('/')) return 'must be an absolute path';
  if (`${mountPoint}/`.match(/\/\.\.?\/|\/\//)) {
    return 'must be a normalized path (no //, /./, /../ or trailing /)';
  }
  if (mountPoint === '/') return 'must not be / (a system folder of the VM)';
  if (SYSTEM_PREFIXES.some((p) => mountPoint === p || mountPoint.startsWith(`${p}/`))) {
    return 'must not be a system folder of the VM (/bin, /dev, /etc, /proc, /run, /sbin, /sys, /usr, /var, /boot, /lib*, /home/docker)';
  }
  if (SYSTEM_GLOBS.some((p) => mountPoint.startsWith(p))) {
    return 'must not be a system folder of the VM (/bin, /dev, /etc, /proc, /run, /sbin, /sys, /usr, /var, /boot, /lib*, /home/docker)';
  }
  return null;
}
