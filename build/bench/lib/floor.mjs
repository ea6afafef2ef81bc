// The boot floor: the same kernel and QEMU flags with a trivial busybox init that powers off at once.
import { spawn } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { now, run } from './proc.mjs';
import { IMAGE_DIR } from './session.mjs';

const MARKER = 'dlite-floor: init';

/** QEMU flags of the product's TCG machine (electron/core/drivers/qemu/qemu-args.ts), used when no live argv. */
export const DEFAULT_MACHINE_ARGS = [
  ...['-machine', 'q35,vmport=off', '-accel', 'tcg,thread=multi,tb-size=128', '-cpu', 'max'],
  ...['-global', 'ICH9-LPC.disable_s3=1', '-global', 'ICH9-LPC.disable_s4=1'],
  ...['-smp', '2,sockets=1,cores=2,threads=1', '-m', '2048'],
  ...['-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot'],
  ...['-device', 'virtio-rng-pci'],
];

const WITH_VALUE = new Set(['-machine', '-accel', '-cpu', '-global', '-smp', '-m', '-display']);
const ALONE = new Set(['-nodefaults', '-no-user-config', '-no-reboot', '-enable-kvm']);

/**
 * The machine/CPU/memory flags of a live QEMU argv (no disk, network, share, console, QMP). The
 * memory backend comes along: with a virtiofs share the machine names a shared memfd backend
 * (`-machine …,memory-backend=mem` and its `-object`), and QEMU refuses the one without the other.
 */
export function machineArgsOf(argv) {
  const out = [];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (WITH_VALUE.has(a)) out.push(a, argv[++i]);
    else if (ALONE.has(a)) out.push(a);
    else if (a === '-device' && argv[i + 1] === 'virtio-rng-pci') out.push(a, argv[++i]);
    else if (a === '-object' && argv[i + 1]?.startsWith('memory-backend-')) out.push(a, argv[++i]);
  }
  return out.includes('-machine') ? out : DEFAULT_MACHINE_ARGS;
}

/** Builds `floor.cpio.gz` in `dir` from the host's static /bin/busybox: /init echoes a marker and powers off. */
export async function buildFloorInitramfs(dir) {
  const root = await mkdtemp(path.join(dir, 'floor-'));
  await mkdir(path.join(root, 'bin'));
  await mkdir(path.join(root, 'dev'));
  await copyFile('/bin/busybox', path.join(root, 'bin/busybox'));
  const init = path.join(root, 'init');
  await writeFile(init, `#!/bin/busybox sh\n/bin/busybox echo ${MARKER}\n/bin/busybox poweroff -f\n`);
  await chmod(init, 0o755);
  await run('mknod', ['-m', '600', path.join(root, 'dev/console'), 'c', '5', '1']);
  const out = path.join(dir, 'floor.cpio.gz');
  await run('sh', ['-c', 'cd "$1" && find . | cpio -o -H newc --quiet | gzip -1 > "$2"', 'sh', root, out]);
  await rm(root, { recursive: true, force: true });
  return out;
}

/**
 * Boots the floor once. Resolves `{ totalMs, toInitMs, poweroffMs }`: spawn → process exit, spawn →
 * the init's console line, that line → exit. Throws when QEMU fails or the marker never shows.
 */
export function bootFloor(initrd, machineArgs, timeoutMs = 120_000) {
  const args = [
    ...machineArgs,
    ...['-kernel', path.join(IMAGE_DIR, 'bzImage'), '-initrd', initrd],
    ...['-append', 'console=ttyS0 quiet panic=-1', '-serial', 'stdio'],
  ];
  return new Promise((resolve, reject) => {
    const t0 = now();
    let marker = null;
    let console = '';
    const child = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d) => {
      console = (console + d.toString()).slice(-4000);
      if (marker === null && console.includes(MARKER)) marker = now();
    });
    child.stderr.on('data', (d) => (console = (console + d.toString()).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const t1 = now();
      if (marker === null) {
        reject(new Error(`floor VM exited (${code}) without reaching init:\n${console.slice(-1500)}`));
      } else resolve({ totalMs: t1 - t0, toInitMs: marker - t0, poweroffMs: t1 - marker });
    });
  });
}
