#!/usr/bin/env node
// Boot benchmark for the guest image (not a test): `node build/os/bench.mjs [--runs N] [--image DIR]`.
//
// Prints a Markdown table: the compressed image size, the time from QEMU start to
// "dlite: docker ready" on a blank disk and on a formatted one, the power-off time, and the
// floor: the same kernel and QEMU command with a busybox-only initramfs that powers off at
// once, measured in the same run. Ratios are ready / floor. Uses QEMU with -accel tcg.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const argv = process.argv.slice(2);
const opt = (name, def) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] ? argv[i + 1] : def;
};
const RUNS = Number(opt('--runs', '3'));
const IMAGE = path.resolve(opt('--image', path.join(import.meta.dirname, 'out/amd64')));
const BUSYBOX = opt('--busybox', '/bin/busybox');
const KERNEL = path.join(IMAGE, 'bzImage');
const INITRD = path.join(IMAGE, 'rootfs.cpio.zst');

for (const f of [KERNEL, INITRD, BUSYBOX]) {
  if (!existsSync(f)) {
    console.error(`missing ${f}: build the image first (npm run build:os); the floor needs busybox-static`);
    process.exit(1);
  }
}

/** A newc cpio archive built in memory (no root needed for the /dev/console node). */
function cpio(entries) {
  const parts = [];
  let ino = 1;
  const pad4 = (n) => (4 - (n % 4)) % 4;
  const push = (name, mode, data = Buffer.alloc(0), rdev = [0, 0]) => {
    const nameBuf = Buffer.from(`${name}\0`);
    const fields = [ino++, mode, 0, 0, 1, 0, data.length, 0, 0, rdev[0], rdev[1], nameBuf.length, 0];
    const header = `070701${fields.map((v) => v.toString(16).padStart(8, '0')).join('')}`;
    parts.push(Buffer.from(header), nameBuf, Buffer.alloc(pad4(110 + nameBuf.length)));
    parts.push(data, Buffer.alloc(pad4(data.length)));
  };
  for (const e of entries) push(e.name, e.mode, e.data, e.rdev);
  push('TRAILER!!!', 0);
  return Buffer.concat(parts);
}

async function floorInitrd(dir) {
  const init = Buffer.from('#!/bin/busybox sh\n/bin/busybox poweroff -f\n');
  const archive = cpio([
    { name: '.', mode: 0o40755 },
    { name: 'bin', mode: 0o40755 },
    { name: 'bin/busybox', mode: 0o100755, data: readFileSync(BUSYBOX) },
    { name: 'dev', mode: 0o40755 },
    { name: 'dev/console', mode: 0o20600, rdev: [5, 1] },
    { name: 'init', mode: 0o100755, data: init },
  ]);
  const raw = path.join(dir, 'floor.cpio');
  await writeFile(raw, archive);
  const r = spawnSync('zstd', ['-q', '-3', '-f', '--rm', raw, '-o', `${raw}.zst`]);
  if (r.status !== 0) throw new Error(`zstd failed: ${r.stderr}`);
  return `${raw}.zst`;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const b64url = (s) => Buffer.from(s).toString('base64url');

async function boot({ dir, initrd, disk, waitFor, powerdown }) {
  const consoleLog = path.join(dir, 'console.log');
  const qmpSock = path.join(dir, 'qmp.sock');
  await rm(consoleLog, { force: true });
  await rm(qmpSock, { force: true });
  const port = await freePort();
  const cmdline = [
    'console=ttyS0',
    'dlite.hostname=bench',
    'dlite.uuid=00000000-0000-4000-8000-000000000001',
    `dlite.time=${Math.floor(Date.now() / 1000)}`,
    'dlite.docker_tcp=0',
    `dlite.ssh_key=${b64url('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBenchBenchBenchBenchBenchBenchBenchBench bench')}`,
  ].join(' ');
  const args = [
    ...['-accel', 'tcg', '-machine', 'q35', '-cpu', 'max', '-m', '2048', '-smp', '2'],
    ...['-kernel', KERNEL, '-initrd', initrd, '-append', cmdline],
    ...['-drive', `file=${disk},if=virtio,format=raw`],
    ...['-netdev', `user,id=n0,hostfwd=tcp:127.0.0.1:${port}-:22`, '-device', 'virtio-net-pci,netdev=n0'],
    ...['-serial', `file:${consoleLog}`, '-qmp', `unix:${qmpSock},server=on,wait=off`],
    ...['-display', 'none', '-nodefaults', '-no-user-config'],
  ];
  const t0 = performance.now();
  const child = spawn('qemu-system-x86_64', args, { stdio: 'ignore' });
  const exited = new Promise((resolve) =>
    child.once('exit', (code) => resolve({ code, ms: performance.now() - t0 })),
  );
  let exit;
  void exited.then((e) => (exit = e));
  if (!waitFor) {
    const e = await exited;
    if (e.code !== 0) throw new Error(`floor boot exited ${e.code}`);
    return { ms: e.ms };
  }
  let readyMs;
  for (;;) {
    const text = await readFile(consoleLog, 'utf8').catch(() => '');
    if (waitFor.test(text)) {
      readyMs = performance.now() - t0;
      break;
    }
    if (exit) throw new Error(`QEMU exited before ready:\n${text.slice(-2000)}`);
    if (performance.now() - t0 > 300_000) {
      child.kill('SIGKILL');
      throw new Error(`not ready in 300 s:\n${text.slice(-2000)}`);
    }
    await sleep(50);
  }
  let offMs;
  if (powerdown) {
    const t1 = performance.now();
    await qmp(qmpSock, 'system_powerdown');
    const e = await Promise.race([exited, sleep(30_000).then(() => undefined)]);
    if (!e) child.kill('SIGKILL');
    offMs = e ? performance.now() - t1 : NaN;
  } else {
    child.kill('SIGKILL');
  }
  await exited;
  return { ms: readyMs, offMs };
}

function qmp(sock, command) {
  return new Promise((resolve, reject) => {
    const s = net.createConnection(sock);
    let buf = '';
    let step = 0;
    s.setEncoding('utf8');
    s.on('error', reject);
    s.on('data', (d) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const msg = JSON.parse(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        if (msg.event) continue;
        if (step === 0) s.write('{"execute":"qmp_capabilities"}\n');
        else if (step === 1) s.write(`{"execute":"${command}"}\n`);
        else {
          s.end();
          resolve(msg);
        }
        step++;
      }
    });
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const sec = (ms) => `${(ms / 1000).toFixed(2)} s`;

async function main() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dlite-bench-'));
  const disk = path.join(dir, 'disk.img');
  const fresh = async () => {
    await rm(disk, { force: true });
    const h = await open(disk, 'w');
    await h.truncate(20 * 1024 ** 3);
    await h.close();
  };
  const load0 = os.loadavg()[0];
  try {
    const floorRd = await floorInitrd(dir);
    const floor = [];
    const blank = [];
    const formatted = [];
    const off = [];
    for (let i = 0; i < RUNS; i++) {
      await fresh();
      floor.push((await boot({ dir, initrd: floorRd, disk })).ms);
      await fresh();
      const b = await boot({ dir, initrd: INITRD, disk, waitFor: /dlite: docker ready/, powerdown: true });
      blank.push(b.ms);
      off.push(b.offMs);
      const f = await boot({ dir, initrd: INITRD, disk, waitFor: /dlite: docker ready/, powerdown: true });
      formatted.push(f.ms);
      off.push(f.offMs);
      process.stderr.write(
        `run ${i + 1}/${RUNS}: floor ${sec(floor[i])}, blank ${sec(b.ms)}, formatted ${sec(f.ms)}\n`,
      );
    }
    const manifest = JSON.parse(readFileSync(path.join(IMAGE, 'manifest.json'), 'utf8'));
    const mb = (f) => `${(statSync(f).size / 1e6).toFixed(1)} MB`;
    const fl = median(floor);
    const cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? os.arch();
    const qemu = spawnSync('qemu-system-x86_64', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0];
    const rows = [
      ['compressed image (initramfs)', mb(INITRD), ''],
      ['kernel (bzImage)', mb(KERNEL), ''],
      ['floor: busybox init that powers off', sec(fl), '1.0'],
      ['docker ready, blank disk', sec(median(blank)), (median(blank) / fl).toFixed(1)],
      ['docker ready, formatted disk', sec(median(formatted)), (median(formatted) / fl).toFixed(1)],
      ['power-off (ACPI button to QEMU exit)', sec(median(off)), ''],
    ];
    console.log(
      `Dlite OS ${manifest.version} (kernel ${manifest.kernelVersion}, Docker ${manifest.dockerVersion})`,
    );
    console.log(
      `${new Date().toISOString().slice(0, 10)}, ${cpu}, ${os.cpus().length} cores, ${qemu}, -accel tcg ` +
        `-machine q35 -cpu max -m 2048 -smp 2; median of ${RUNS} runs; load average at start ${load0.toFixed(2)}`,
    );
    console.log('');
    console.log('| metric | value | ready / floor |');
    console.log('| --- | --- | --- |');
    for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
