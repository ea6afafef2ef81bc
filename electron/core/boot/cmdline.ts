import { isIP } from 'node:net';

import { isPrintableAscii, isValidHostname, isValidUuid, shareMountProblem } from './guest-rules.js';

export { isValidHostname, isValidUuid } from './guest-rules.js';

/** The serial console the guest kernel writes to (x86: ttyS0, arm64 QEMU virt: ttyAMA0, vfkit: hvc0). */
export type GuestConsole = 'ttyS0' | 'hvc0' | 'ttyAMA0';

/** A host folder the guest mounts at boot. */
export interface BootShare {
  readonly type: '9p' | 'virtiofs' | 'nfs';
  /** 9p/virtiofs mount tag, or `host:/path` for NFS. */
  readonly source: string;
  /** Absolute guest path to mount at (Dlite mounts at the host's path). */
  readonly mountPoint: string;
}

/** Everything the guest reads from its kernel command line (the `dlite.*` boot protocol). */
export interface BootParams {
  readonly console: GuestConsole;
  /** RFC 1123 host name. */
  readonly hostname: string;
  /** The VM's uuid, 8-4-4-4-12 hex. */
  readonly uuid: string;
  /** One OpenSSH public key line, authorized for user `docker`. */
  readonly sshPublicKey: string;
  /** Host clock at boot, in whole Unix seconds. */
  readonly time: number;
  /** Let dockerd listen on TCP 2375. */
  readonly dockerTcp: boolean;
  readonly share: BootShare | null;
  /** DNS server IP addresses; empty means the hypervisor's default. */
  readonly dns: readonly string[];
}

/** The kernel truncates longer command lines (x86 COMMAND_LINE_SIZE is larger, but xhyve/vfkit are not). */
export const MAX_CMDLINE_BYTES = 1024;

/**
 * Always appended. `quiet`: info-level kernel lines stay off the serial console (each byte is an
 * emulated UART write, and FailureDetails.lastConsoleLines should hold the guest's milestones, not
 * driver probes); warnings and panics still print. `panic=1`: a guest panic reboots, which the
 * hypervisor turns into an exit (QEMU `-no-reboot`) the supervisor notices at once.
 */
const FIXED_OPTIONS = ['quiet', 'panic=1'];

/** Longest 9p/virtiofs mount tag the guest accepts. */
const MAX_TAG_LENGTH = 36;
const CONSOLES: readonly GuestConsole[] = ['ttyS0', 'hvc0', 'ttyAMA0'];

/** True when `name` is a console device the boot protocol knows (an image manifest's `boot.console`). */
export function isGuestConsole(name: string): name is GuestConsole {
  return (CONSOLES as readonly string[]).includes(name);
}
const SHARE_TYPES: readonly BootShare['type'][] = ['9p', 'virtiofs', 'nfs'];
const B64URL_RE = /^[A-Za-z0-9_-]*$/;

function encode(value: string): string {
  return Buffer.from(value, 'utf8').toString('base64url');
}

function invalid(param: string, why: string): Error {
  return new Error(`boot parameter ${param} ${why}`);
}

function validate(p: BootParams): void {
  if (!CONSOLES.includes(p.console)) throw invalid('console', `must be one of ${CONSOLES.join(', ')}`);
  if (!isValidHostname(p.hostname)) {
    throw invalid('hostname', `"${p.hostname}" is not a valid host name (letters, digits, hyphens, dots)`);
  }
  if (!isValidUuid(p.uuid)) throw invalid('uuid', `"${p.uuid}" is not a uuid`);
  if (!Number.isSafeInteger(p.time) || p.time < 0) {
    throw invalid('time', `must be whole Unix seconds, got ${p.time}`);
  }
  const key = p.sshPublicKey.trim();
  if (key === '' || /[\r\n]/.test(key)) throw invalid('sshPublicKey', 'must be one public key line');
  if (p.share) {
    if (!SHARE_TYPES.includes(p.share.type)) {
      throw invalid('share.type', `must be one of ${SHARE_TYPES.join(', ')}`);
    }
    if (!isPrintableAscii(p.share.source) || /\s/.test(p.share.source)) {
      throw invalid('share.source', 'must be non-empty printable ASCII without white space');
    }
    if (p.share.type === 'nfs' && !/^[^/\s][^\s]*:\//.test(p.share.source)) {
      throw invalid('share.source', 'must be host:/path for nfs');
    }
    if (p.share.type !== 'nfs' && p.share.source.length > MAX_TAG_LENGTH) {
      throw invalid('share.source', `(mount tag) must be at most ${MAX_TAG_LENGTH} characters`);
    }
    const problem = shareMountProblem(p.share.mountPoint);
    if (problem !== null) throw invalid('share.mountPoint', problem);
  }
  const bad = p.dns.find((d) => isIP(d) === 0);
  if (bad !== undefined) throw invalid('dns', `"${bad}" is not an IP address`);
}

/**
 * Builds the guest kernel command line: `console=`, the plain `dlite.*` values (hostname, uuid, time,
 * docker_tcp, share_type) and base64url-encoded (no padding) ssh_key, share_src, share_path and dns
 * (comma-joined). Pure. Throws an Error naming the parameter when one is invalid or when the line
 * reaches {@link MAX_CMDLINE_BYTES}.
 */
export function buildKernelCmdline(p: BootParams): string {
  validate(p);
  const parts = [
    `console=${p.console}`,
    ...FIXED_OPTIONS,
    `dlite.hostname=${p.hostname}`,
    `dlite.uuid=${p.uuid.toLowerCase()}`,
    `dlite.time=${p.time}`,
    `dlite.docker_tcp=${p.dockerTcp ? 1 : 0}`,
    `dlite.ssh_key=${encode(p.sshPublicKey.trim())}`,
  ];
  if (p.share) {
    parts.push(
      `dlite.share_type=${p.share.type}`,
      `dlite.share_src=${encode(p.share.source)}`,
      `dlite.share_path=${encode(p.share.mountPoint)}`,
    );
  }
  if (p.dns.length > 0) parts.push(`dlite.dns=${encode(p.dns.join(','))}`);
  const line = parts.join(' ');
  const bytes = Buffer.byteLength(line);
  if (bytes >= MAX_CMDLINE_BYTES) {
    throw invalid(
      'cmdline',
      `is ${bytes} bytes; it must stay under ${MAX_CMDLINE_BYTES} (shorten sshPublicKey or share)`,
    );
  }
  return line;
}

/** `dlite.*` keys whose values are base64url-encoded. */
export const ENCODED_KEYS: readonly string[] = ['ssh_key', 'share_src', 'share_path', 'dns'];

/** A decoded kernel command line. */
export interface ParsedCmdline {
  /** Every `dlite.<key>` value, decoded where the protocol encodes it. */
  readonly dlite: Readonly<Record<string, string>>;
  readonly console: string | null;
  /** Encoded `dlite.*` keys whose value is not valid unpadded base64url of UTF-8 text. */
  readonly garbled: readonly string[];
  /** Tokens that are not `console=` or `dlite.*` (e.g. `quiet`). */
  readonly other: readonly string[];
}

/** Strict base64url (no padding) → UTF-8, or null when the text is not exactly that. */
export function decodeBase64Url(value: string): string | null {
  if (!B64URL_RE.test(value) || value.length % 4 === 1) return null;
  const bytes = Buffer.from(value, 'base64url');
  if (bytes.toString('base64url') !== value) return null;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

/** Splits and decodes a kernel command line (for tests and `dlite doctor`). Never throws. */
export function parseKernelCmdline(line: string): ParsedCmdline {
  const dlite: Record<string, string> = {};
  const garbled: string[] = [];
  const other: string[] = [];
  let console: string | null = null;
  for (const token of line.trim().split(/\s+/).filter(Boolean)) {
    const eq = token.indexOf('=');
    const key = eq < 0 ? token : token.slice(0, eq);
    const value = eq < 0 ? '' : token.slice(eq + 1);
    if (key === 'console') {
      console = value;
    } else if (key.startsWith('dlite.')) {
      const name = key.slice('dlite.'.length);
      if (!ENCODED_KEYS.includes(name)) {
        dlite[name] = value;
        continue;
      }
      const decoded = decodeBase64Url(value);
      if (decoded === null) garbled.push(name);
      else dlite[name] = decoded;
    } else {
      other.push(token);
    }
  }
  return { dlite, console, garbled, other };
}
