/**
 * vfkit's command line (REFERENCE.md 2.1, crc-org/vfkit `pkg/cmdline`, `pkg/config`): `--bootloader`
 * is split on commas outside double quotes and `cmdline="…"` loses its quotes (so a command line may
 * hold commas but never a `"`); `--device` values are split on every comma (so no path may hold one).
 */

/** The guest vsock port dlite-mux listens on; vfkit dials it for each connection to the host socket. */
export const DOCKER_VSOCK_PORT = 2375;

export interface VfkitArgsInput {
  readonly cpus: number;
  /** MiB (vfkit's unit). */
  readonly memoryMiB: number;
  /** bzImage on Intel; the uncompressed `Image` on Apple Silicon. */
  readonly kernel: string;
  readonly initrd: string;
  readonly cmdline: string;
  readonly disk: string;
  /** Stable MAC (from the uuid), so the NAT lease and IP stay the same. */
  readonly mac: string;
  readonly consoleLog: string;
  /** Host folder shared with virtio-fs under `tag`. */
  readonly share: { readonly hostPath: string; readonly tag: string } | null;
  /** The REST API's unix socket (MUST stay under 104 bytes). */
  readonly restSocket: string;
  /** The host end of the Docker port: vfkit listens here and dials guest vsock `port`. */
  readonly dockerPort: { readonly socket: string; readonly port: number } | null;
}

/** macOS `sun_path` is 104 bytes with the NUL. */
const MAX_SOCKET_BYTES = 103;
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

function plainValue(field: string, value: string): string {
  if (value === '' || value.includes(',') || value.includes('"') || /[\n\r\0]/.test(value)) {
    throw new Error(
      `${field}: vfkit cannot take ${JSON.stringify(value)} (its options are split on commas; no quotes or newlines)`,
    );
  }
  return value;
}

function socketPath(field: string, value: string): string {
  plainValue(field, value);
  const bytes = Buffer.byteLength(value);
  if (bytes > MAX_SOCKET_BYTES) {
    throw new Error(`${field}: the socket path ${value} is ${bytes} bytes; macOS allows ${MAX_SOCKET_BYTES}`);
  }
  return value;
}

/**
 * vfkit's argv for one VM. Pure. Throws an Error naming the field for a value vfkit cannot parse:
 * a path with a comma, quote or newline, a command line with a `"` or newline, a socket path over
 * 103 bytes, a malformed MAC, or CPUs/memory that are not positive integers.
 */
export function buildVfkitArgs(i: VfkitArgsInput): string[] {
  if (!Number.isInteger(i.cpus) || i.cpus < 1) throw new Error(`cpus: must be ≥ 1, got ${i.cpus}`);
  if (!Number.isInteger(i.memoryMiB) || i.memoryMiB < 256) {
    throw new Error(`memory: must be at least 256 MiB, got ${i.memoryMiB}`);
  }
  if (!MAC.test(i.mac)) throw new Error(`mac: ${JSON.stringify(i.mac)} is not a MAC address`);
  if (i.cmdline.includes('"') || /[\n\r\0]/.test(i.cmdline)) {
    throw new Error('cmdline: vfkit cannot pass a kernel command line with a double quote or a newline');
  }
  const args = [
    ...['--cpus', String(i.cpus), '--memory', String(i.memoryMiB)],
    '--bootloader',
    `linux,kernel=${plainValue('kernel', i.kernel)},initrd=${plainValue('initrd', i.initrd)},cmdline="${i.cmdline}"`,
    ...['--device', `virtio-blk,path=${plainValue('disk', i.disk)}`],
    ...['--device', `virtio-net,nat,mac=${i.mac.toLowerCase()}`],
    ...['--device', `virtio-serial,logFilePath=${plainValue('consoleLog', i.consoleLog)}`],
    ...['--device', 'virtio-rng'],
  ];
  if (i.share) {
    if (!/^[A-Za-z0-9_-]{1,36}$/.test(i.share.tag)) throw new Error(`share.tag: ${i.share.tag} is not a tag`);
    args.push(
      '--device',
      `virtio-fs,sharedDir=${plainValue('share', i.share.hostPath)},mountTag=${i.share.tag}`,
    );
  }
  if (i.dockerPort) {
    const port = i.dockerPort.port;
    if (!Number.isInteger(port) || port < 1 || port > 0xffffffff) throw new Error(`vsock port: ${port}`);
    args.push(
      '--device',
      `virtio-vsock,port=${port},socketURL=${socketPath('dockerPort', i.dockerPort.socket)},connect`,
    );
  }
  args.push('--restful-uri', `unix://${socketPath('restSocket', i.restSocket)}`);
  return args;
}
