#!/usr/bin/env node
// Boot benchmark for the guest images (not a test):
//   node build/os/bench.mjs [--runs N] [--arch amd64|arm64|all] [--out DIR]
//
// For each built arch (build/os/out/<arch>/, or only --arch) prints a Markdown table: the compressed
// image size, the time from QEMU start to "dlite: docker ready" on a blank disk and on a formatted one,
// the power-off time, and the floor: the same kernel and QEMU command with a busybox-only initramfs
// that powers off at once, measured right before each image boot. Each ratio is the median over the
// runs of ready / the floor measured just before, each arch against its own floor. QEMU runs with
// TCG: amd64 on q35, arm64 emulated on the virt machine.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
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
const OUT = path.resolve(opt('--out', path.join(import.meta.dirname, 'out')));
const ARCH = opt('--arch', 'all');

/** How QEMU runs each guest arch under TCG; the console device follows the image manifest. */
const MACHINES = {
  amd64: {
    qemu: 'qemu-system-x86_64',
    args: ['-accel', 'tcg', '-machine', 'q35', '-cpu', 'max'],
    text: '-accel tcg -machine q35 -cpu max',
  },
  arm64: {
    qemu: 'qemu-system-aarch64',
    args: ['-machine', 'virt', '-accel', 'tcg,thread=multi,tb-size=512', '-cpu', 'max,pauth-impdef=on'],
    text: '-machine virt -accel tcg,thread=multi -cpu max,pauth-impdef=on',
  },
};

function consoleArgs(name, log) {
  if (name === 'hvc0') {
    return [
      ...['-chardev', `file,id=con0,path=${log}`, '-device', 'virtio-serial-pci,id=vcon0'],
      ...['-device', 'virtconsole,bus=vcon0.0,chardev=con0'],
    ];
  }
  return ['-serial', `file:${log}`];
}

/** The image in DIR as its manifest describes it, or null when not built. */
function loadImage(dir) {
  const file = path.join(dir, 'manifest.json');
  if (!existsSync(file)) return null;
  const manifest = JSON.parse(readFileSync(file, 'utf8'));
  return {
    dir,
    manifest,
    arch: manifest.arch,
    kernel: path.join(dir, manifest.boot.kernel),
    initrd: path.join(dir, manifest.boot.initrd),
    console: manifest.boot.console,
  };
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

/**
 * The floor's initramfs: a static busybox for the guest's CPU (the host's for amd64; for arm64 the
 * one inside the image's own initramfs) whose init powers off at once.
 */
async function floorInitrd(dir, image) {
  let busybox = '/bin/busybox';
  if (image.arch !== 'amd64') {
    busybox = path.join(dir, `busybox-${image.arch}`);
    const r = spawnSync('sh', [
      '-c',
      `zstd -dc "$1" | cpio -i --quiet --to-stdout bin/busybox > "$2"`,
      'sh',
      image.initrd,
      busybox,
    ]);
    if (r.status !== 0) throw new Error(`could not take busybox out of ${image.initrd}: ${r.stderr}`);
  }
  const init = Buffer.from('#!/bin/busybox sh\n/bin/busybox poweroff -f\n');
  const archive = cpio([
    { name: '.', mode: 0o40755 },
    { name: 'bin', mode: 0o40755 },
    { name: 'bin/busybox', mode: 0o100755, data: readFileSync(busybox) },
    { name: 'dev', mode: 0o40755 },
    { name: 'dev/console', mode: 0o20600, rdev: [5, 1] },
    { name: 'init', mode: 0o100755, data: init },
  ]);
  const raw = path.join(dir, `floor-${image.arch}.cpio`);
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

async function boot({ dir, image, initrd, disk, waitFor, powerdown }) {
  const consoleLog = path.join(dir, 'console.log');
  const qmpSock = path.join(dir, 'qmp.sock');
  await rm(consoleLog, { force: true });
  await rm(qmpSock, { force: true });
  const port = await freePort();
  const cmdline = [
    `console=${image.console}`,
    // A guest that dies exits QEMU (-no-reboot) instead of hanging the run.
    'panic=1',
    'dlite.hostname=bench',
    'dlite.uuid=00000000-0000-4000-8000-000000000001',
    `dlite.time=${Math.floor(Date.now() / 1000)}`,
    'dlite.docker_tcp=0',
    `dlite.ssh_key=${b64url('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBenchBenchBenchBenchBenchBenchBenchBench bench')}`,
  ].join(' ');
  const machine = MACHINES[image.arch];
  const args = [
    ...machine.args,
    ...['-m', '2048', '-smp', '2'],
    ...['-kernel', image.kernel, '-initrd', initrd, '-append', cmdline],
    ...['-drive', `file=${disk},if=virtio,format=raw`],
    ...['-netdev', `user,id=n0,hostfwd=tcp:127.0.0.1:${port}-:22`, '-device', 'virtio-net-pci,netdev=n0'],
    ...consoleArgs(image.console, consoleLog),
    ...['-qmp', `unix:${qmpSock},server=on,wait=off`],
    ...['-display', 'none', '-nodefaults', '-no-user-config', '-no-reboot'],
  ];
  const t0 = performance.now();
  const child = spawn(machine.qemu, args, { stdio: 'ignore' });
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
    if (exit) {
      const oops = /Oops: [^\n]*/.exec(text)?.[0];
      throw Object.assign(new Error(`QEMU exited before ready:\n${text.slice(-2000)}`), { oops });
    }
    if (performance.now() - t0 > 900_000) {
      child.kill('SIGKILL');
      throw new Error(`not ready in 900 s:\n${text.slice(-2000)}`);
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

/** Boots `image` RUNS times (floor, blank disk, formatted disk) and prints its table. */
async function benchImage(dir, image) {
  const disk = path.join(dir, 'disk.img');
  const fresh = async () => {
    await rm(disk, { force: true });
    const h = await open(disk, 'w');
    await h.truncate(20 * 1024 ** 3);
    await h.close();
  };
  const load0 = os.loadavg()[0];
  const floorRd = await floorInitrd(dir, image);
  const floor = [];
  const blank = [];
  const formatted = [];
  const off = [];
  const ready = { image, waitFor: /dlite: docker ready/, powerdown: true, disk, dir };
  // The floor is measured right before each image boot, and each boot is compared with that floor:
  // the load other jobs put on the cores drifts, and a pair measured seconds apart sees the same load.
  const blankRatio = [];
  const formattedRatio = [];
  const floorBoot = async () => {
    const keep = path.join(dir, 'disk.keep');
    await rm(keep, { force: true });
    await rename(disk, keep).catch(() => undefined);
    await fresh();
    const ms = (await boot({ dir, image, initrd: floorRd, disk })).ms;
    await rm(disk, { force: true });
    await rename(keep, disk).catch(() => undefined);
    floor.push(ms);
    return ms;
  };
  // Multi-threaded TCG sometimes kills a boot with the kernel's `Oops: int3` (build/os/README.md,
  // "Not done / limits"): such a boot is counted, reported and done again with a new floor.
  const crashed = [];
  const pair = async (prepare) => {
    for (;;) {
      await prepare();
      const fb = await floorBoot();
      try {
        return { fb, b: await boot({ ...ready, initrd: image.initrd }) };
      } catch (e) {
        const { oops } = e;
        if (!oops || crashed.length >= 5) throw e;
        crashed.push(oops);
        process.stderr.write(`${image.arch}: a boot died (${oops}); booting again\n`);
      }
    }
  };
  for (let i = 0; i < RUNS; i++) {
    const { fb, b } = await pair(fresh);
    blank.push(b.ms);
    blankRatio.push(b.ms / fb);
    off.push(b.offMs);
    const { fb: ff, b: f } = await pair(async () => undefined);
    formatted.push(f.ms);
    formattedRatio.push(f.ms / ff);
    off.push(f.offMs);
    process.stderr.write(
      `${image.arch} run ${i + 1}/${RUNS}: floor ${sec(fb)}, blank ${sec(b.ms)} (${(b.ms / fb).toFixed(1)}x), ` +
        `floor ${sec(ff)}, formatted ${sec(f.ms)} (${(f.ms / ff).toFixed(1)}x)\n`,
    );
  }
  const { manifest } = image;
  const mb = (f) => `${(statSync(f).size / 1e6).toFixed(1)} MB`;
  const fl = median(floor);
  const cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? os.arch();
  const machine = MACHINES[image.arch];
  const qemu = spawnSync(machine.qemu, ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0];
  const rows = [
    ['compressed image (initramfs)', mb(image.initrd), ''],
    [`kernel (${manifest.boot.kernel})`, mb(image.kernel), ''],
    [
      'floor: busybox init that powers off',
      `${sec(fl)} (${sec(Math.min(...floor))}–${sec(Math.max(...floor))})`,
      '1.0',
    ],
    ['docker ready, blank disk', sec(median(blank)), median(blankRatio).toFixed(1)],
    ['docker ready, formatted disk', sec(median(formatted)), median(formattedRatio).toFixed(1)],
    ['power-off (power button to QEMU exit)', sec(median(off)), ''],
    [
      'boots that died and were done again',
      crashed.length ? `${crashed.length}: ${crashed.join('; ')}` : '0',
      '',
    ],
  ];
  console.log(
    `Dlite OS ${manifest.version} ${image.arch} (Debian ${manifest.suite}, kernel ${manifest.kernelVersion}, ` +
      `Docker ${manifest.dockerVersion}, console ${image.console})`,
  );
  console.log(
    `${new Date().toISOString().slice(0, 10)}, ${cpu}, ${os.cpus().length} cores, ${qemu}, ${machine.text} ` +
      `-m 2048 -smp 2; median of ${RUNS} runs, each boot against the floor measured just before it; ` +
      `load average at start ${load0.toFixed(2)}`,
  );
  console.log('');
  console.log('| metric | value | ready / floor |');
  console.log('| --- | --- | --- |');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  console.log('');
}

async function main() {
  const arches = ARCH === 'all' ? ['amd64', 'arm64'] : [ARCH];
  const images = arches.map((a) => [a, loadImage(path.join(OUT, a))]);
  const missing = images.filter(([, img]) => !img).map(([a]) => a);
  if (ARCH !== 'all' && missing.length > 0) {
    console.error(`missing ${path.join(OUT, ARCH)}: build it first (npm run build:os -- --arch ${ARCH})`);
    process.exit(1);
  }
  if (missing.length === arches.length) {
    console.error('no guest image built: run npm run build:os (and npm run build:os -- --arch arm64)');
    process.exit(1);
  }
  for (const a of missing) console.error(`skipping ${a}: no image in ${path.join(OUT, a)}`);
  if (!existsSync('/bin/busybox')) {
    console.error('missing /bin/busybox: the amd64 floor needs busybox-static');
    process.exit(1);
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dlite-bench-'));
  try {
    for (const [, image] of images) if (image) await benchImage(dir, image);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
