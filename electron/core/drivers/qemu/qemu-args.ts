import { createHash } from 'node:crypto';

import { parseKernelCmdline } from '../../boot/cmdline.js';
import type { GuestArch, VmConfig } from '../driver.js';
import type { Accelerator } from './accel.js';

/** A host 127.0.0.1 TCP port forwarded to a guest port through QEMU's user network. */
export interface PortForward {
  readonly hostPort: number;
  readonly guestPort: number;
}

/** Where QEMU puts its control files, and how it is accelerated. */
export interface QemuArgsOptions {
  readonly accel: Accelerator;
  /** Host port on 127.0.0.1 forwarded to the guest's sshd (22). */
  readonly sshPort: number;
  /** Host CPU as Node names it (`process.arch`). */
  readonly hostArch: string;
  readonly qmpSocket: string;
  /** The raw disk image. */
  readonly disk: string;
  /**
   * Unix socket QEMU serves for the guest's `io.dlite.docker` virtio-serial port (the Docker
   * socket transport, build/os/mux/PROTOCOL.md); omitted: no port.
   */
  readonly dockerPortSocket?: string;
  /** Receives everything the guest writes to its serial console (appended). */
  readonly consoleLog: string;
  readonly pidfile: string;
  /** More forwards to set up at boot (e.g. ports restored after a restart). */
  readonly extraForwards?: readonly PortForward[];
  /**
   * Share `cfg.share` over virtiofs through the virtiofsd serving this vhost-user socket (guest RAM
   * is then a shared memfd); omitted: over 9p.
   */
  readonly virtiofsSocket?: string;
  /**
   * Leave the virtiofs device out of the command line (a restore: it was unplugged before the save
   * and is plugged back after `cont`); its PCIe slot stays.
   */
  readonly virtiofsUnplugged?: boolean;
  /**
   * Start paused and load the VM from the saved state this shell command writes to its stdout
   * (`-incoming exec:`; see state-codec.ts), instead of booting.
   */
  readonly incomingCommand?: string;
}

/** Guest port dockerd listens on when `dockerTcp` is on; forwarded from the same host port. */
export const DOCKER_TCP_PORT = 2375;

/** The QEMU system emulator binary for a guest architecture. */
export function qemuBinaryFor(arch: GuestArch): string {
  return arch === 'arm64' ? 'qemu-system-aarch64' : 'qemu-system-x86_64';
}

/** The Node `process.arch` a guest arch runs natively on. */
export function nativeHostArch(arch: GuestArch): string {
  return arch === 'arm64' ? 'arm64' : 'x64';
}

/**
 * A stable, locally administered unicast MAC for the VM, derived from its uuid:
 * `52:54:00:` + the first three bytes of sha256(lowercased uuid).
 */
export function macFromUuid(uuid: string): string {
  const digest = createHash('sha256').update(uuid.toLowerCase()).digest();
  const tail = [...digest.subarray(0, 3)].map((b) => b.toString(16).padStart(2, '0'));
  return ['52', '54', '00', ...tail].join(':');
}

/** Escapes a value inside a QEMU `key=value,...` option string (commas are doubled). */
export function qemuOptValue(value: string): string {
  return value.replaceAll(',', ',,');
}

function hostfwd(f: PortForward): string {
  return `hostfwd=tcp:127.0.0.1:${f.hostPort}-:${f.guestPort}`;
}

function checkPort(name: string, port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`qemu: ${name} must be a TCP port (1-65535), got ${port}`);
  }
}

function machineArgs(cfg: VmConfig, opts: QemuArgsOptions): string[] {
  const hw = opts.accel !== 'tcg';
  if (cfg.arch === 'arm64') {
    if (hw) return ['-machine', 'virt', '-accel', opts.accel, '-cpu', 'host'];
    // Emulated: QEMU's own pointer-authentication algorithm instead of the architected QARMA one,
    // which costs a large share of TCG time in a kernel built with pointer authentication.
    return ['-machine', 'virt', '-accel', 'tcg,thread=multi,tb-size=512', '-cpu', 'max,pauth-impdef=on'];
  }
  if (!hw) {
    // One TCG thread for all vCPUs: under multi-threaded TCG an x86 kernel that live-patches its
    // code (static keys, the int3 protocol) sometimes runs the half-patched bytes on another vCPU
    // and dies of `Oops: int3` (2 of ~45 boots in one test run). Measured here: start → docker ready
    // 16.5 s multi-threaded, 24.6 s single; two parallel hashes in the guest 3.2 s vs 5.5 s. A VM that
    // does not crash comes first; hvf and kvm are unaffected.
    // A bounded translation cache, no S3/S4 sleep states (as Lima), with a 64 MiB cache: the boot
    // fills whatever it gets, and it stays resident. Measured here (start → docker ps, QEMU's
    // anonymous RSS after 60 s idle): 128 MiB → 17.7 s, 195 MiB; 64 MiB → 18.8 s, 110 MiB;
    // 32 MiB → 45.4 s (the cache thrashes). Earlier: 512 MiB → 1,128 MiB RSS.
    return [
      ...['-machine', 'q35,vmport=off', '-accel', 'tcg,thread=single,tb-size=64', '-cpu', 'max'],
      ...['-global', 'ICH9-LPC.disable_s3=1', '-global', 'ICH9-LPC.disable_s4=1'],
    ];
  }
  // Intel Macs: `-cpu host` advertises 1 GiB pages that hvf cannot back (lima-vm/lima#1485).
  const cpu = opts.accel === 'hvf' ? 'host,-pdpe1gb' : 'host';
  return ['-machine', 'q35,vmport=off', '-accel', opts.accel, '-cpu', cpu];
}

/**
 * The device behind the kernel's `console=`, which comes from the image manifest (never from the
 * arch): `ttyS0` is the PC UART (x86 only), `ttyAMA0` the PL011 UART of the `virt` machine (arm64
 * only), `hvc0` a virtio console (either; what vfkit gives, so an image made for vfkit boots here
 * unchanged). Throws naming the console when it has no device on this machine type.
 */
function consoleArgs(cfg: VmConfig, log: string): string[] {
  const name = parseKernelCmdline(cfg.cmdline).console;
  const chardev = ['-chardev', `file,id=con0,path=${qemuOptValue(log)},append=on`];
  const uart = cfg.arch === 'arm64' ? 'ttyAMA0' : 'ttyS0';
  if (name === uart) return [...chardev, '-serial', 'chardev:con0'];
  if (name === 'hvc0') {
    return [
      ...chardev,
      ...['-device', 'virtio-serial-pci,id=vcon0', '-device', 'virtconsole,bus=vcon0.0,chardev=con0'],
    ];
  }
  throw new Error(
    `qemu: console=${name ?? '(none)'} in the kernel command line has no device on an ${cfg.arch} guest ` +
      `(use ${uart} or hvc0)`,
  );
}

/** QOM id of the virtiofs device, of its vhost-user chardev and of the PCIe root port it is plugged into. */
export const VIRTIOFS_IDS = { device: 'dlite-fs', chardev: 'dlite-vfs', port: 'dlite-rp0' } as const;

/** The virtiofs device's `device_add` properties (also used to plug it back after a restore). */
export function virtiofsDeviceProps(tag: string): Record<string, string> {
  return {
    driver: 'vhost-user-fs-pci',
    id: VIRTIOFS_IDS.device,
    bus: VIRTIOFS_IDS.port,
    chardev: VIRTIOFS_IDS.chardev,
    tag,
  };
}

function virtiofsArgs(tag: string, opts: QemuArgsOptions): string[] {
  if (!opts.virtiofsSocket) return [];
  // A root port so the device can be unplugged before a save: QEMU 7.2 cannot save vhost-user-fs.
  const args = ['-device', `pcie-root-port,id=${VIRTIOFS_IDS.port},chassis=1`];
  if (opts.virtiofsUnplugged) return args;
  const props = Object.entries(virtiofsDeviceProps(tag))
    .filter(([k]) => k !== 'driver')
    .map(([k, v]) => `${k}=${qemuOptValue(String(v))}`);
  return [
    ...args,
    ...['-chardev', `socket,id=${VIRTIOFS_IDS.chardev},path=${qemuOptValue(opts.virtiofsSocket)}`],
    ...['-device', ['vhost-user-fs-pci', ...props].join(',')],
  ];
}

/** Single-quotes `value` for the POSIX shell QEMU runs `exec:` migration targets with. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** Name of the virtio-serial port the guest's dlite-mux agent opens. */
export const DOCKER_PORT_NAME = 'io.dlite.docker';

function dockerPortArgs(socket: string | undefined): string[] {
  if (!socket) return [];
  return [
    ...['-device', 'virtio-serial-pci,id=vser0'],
    ...['-chardev', `socket,id=dport0,path=${qemuOptValue(socket)},server=on,wait=off`],
    ...['-device', `virtserialport,bus=vser0.0,chardev=dport0,name=${DOCKER_PORT_NAME}`],
  ];
}

/**
 * The full QEMU argv (without the binary) for `cfg`. Pure; throws an Error naming the field when
 * the combination cannot work (e.g. hvf/kvm for a foreign guest arch, bad ports).
 *
 * arm64 guests run on the `virt` machine (hvf/kvm on an arm64 host, emulated elsewhere); the console
 * device follows the command line's `console=` (see consoleArgs).
 *
 * Choices: a raw virtio disk that passes the guest's trims and zeroed blocks on as holes
 * (`discard=unmap,detect-zeroes=unmap`: the sparse image shrinks again); a balloon with free page
 * reporting (pages the guest frees go back to the host); slirp user networking with ssh (and
 * dockerd's 2375 when opted in) forwarded on 127.0.0.1 only; 9p with `security_model=none` so guest
 * writes land as ordinary files owned by the host user (mapped-xattr would hide guest owners and modes
 * in xattrs, which host tools do not see); the serial console goes to a plain append-mode file (no
 * reader needed, survives the supervisor); QMP on a unix socket; `-no-reboot` so a guest reboot or
 * panic ends the process and the supervisor notices it.
 */
export function buildQemuArgs(cfg: VmConfig, opts: QemuArgsOptions): string[] {
  if (opts.accel !== 'tcg' && opts.hostArch !== nativeHostArch(cfg.arch)) {
    throw new Error(
      `qemu: accelerator ${opts.accel} cannot run an ${cfg.arch} guest on an ${opts.hostArch} host`,
    );
  }
  if (!Number.isInteger(cfg.cpus) || cfg.cpus < 1) throw new Error(`qemu: cpus must be ≥ 1, got ${cfg.cpus}`);
  const memMiB = Math.round(cfg.memoryGiB * 1024);
  if (!(memMiB >= 128)) throw new Error(`qemu: memoryGiB must be at least 0.125, got ${cfg.memoryGiB}`);
  checkPort('sshPort', opts.sshPort);
  const forwards: PortForward[] = [{ hostPort: opts.sshPort, guestPort: 22 }];
  if (cfg.dockerTcp) forwards.push({ hostPort: DOCKER_TCP_PORT, guestPort: DOCKER_TCP_PORT });
  for (const f of opts.extraForwards ?? []) {
    checkPort('extraForwards.hostPort', f.hostPort);
    checkPort('extraForwards.guestPort', f.guestPort);
    forwards.push(f);
  }
  const hostPorts = forwards.map((f) => f.hostPort);
  const dup = hostPorts.find((p, i) => hostPorts.indexOf(p) !== i);
  if (dup !== undefined) throw new Error(`qemu: host port ${dup} is forwarded twice`);

  const virtiofs = cfg.share !== null && opts.virtiofsSocket !== undefined;
  const machine = machineArgs(cfg, opts);
  if (virtiofs) {
    // virtiofsd reads and writes guest memory directly: it must be a shared memfd.
    const i = machine.indexOf('-machine') + 1;
    machine[i] = `${machine[i]},memory-backend=mem`;
    machine.push('-object', `memory-backend-memfd,id=mem,size=${memMiB}M,share=on`);
  }
  const args = [
    ...['-name', 'dlite', '-uuid', cfg.uuid],
    ...machine,
    ...['-smp', `${cfg.cpus},sockets=1,cores=${cfg.cpus},threads=1`, '-m', String(memMiB)],
    ...['-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot'],
    ...['-kernel', cfg.kernelPath, '-initrd', cfg.initrdPath, '-append', cfg.cmdline],
    ...['-drive', `file=${qemuOptValue(opts.disk)},if=virtio,format=raw,discard=unmap,detect-zeroes=unmap`],
    ...['-netdev', ['user', 'id=net0', ...forwards.map(hostfwd)].join(',')],
    ...['-device', `virtio-net-pci,netdev=net0,mac=${macFromUuid(cfg.uuid)}`],
    ...['-device', 'virtio-rng-pci'],
    ...['-device', 'virtio-balloon-pci,id=balloon0,deflate-on-oom=on,free-page-reporting=on'],
  ];
  if (cfg.share) {
    const tag = cfg.share.tag;
    if (virtiofs) args.push(...virtiofsArgs(tag, opts));
    else {
      args.push(
        '-virtfs',
        `local,path=${qemuOptValue(cfg.share.hostPath)},mount_tag=${qemuOptValue(tag)},security_model=none`,
      );
    }
  }
  args.push(
    ...consoleArgs(cfg, opts.consoleLog),
    ...dockerPortArgs(opts.dockerPortSocket),
    ...['-chardev', `socket,id=qmp0,path=${qemuOptValue(opts.qmpSocket)},server=on,wait=off`],
    ...['-mon', 'chardev=qmp0,mode=control'],
    ...['-pidfile', opts.pidfile],
  );
  // `exec:` runs through /bin/sh (QEMU 7.2 has no `file:` target).
  if (opts.incomingCommand) args.push('-incoming', `exec:${opts.incomingCommand}`);
  return args;
}
