// A scripted xhyve (machyve/xhyve as REFERENCE.md section 1 documents it), for the driver tests:
// getopt "behvuwxMACHPWY:f:F:g:c:s:m:l:U:", `-f kexec,<kernel>,<initrd>,<cmdline>` (three commas,
// the command line is the rest), `-M` prints the MAC and exits 0, exit 1 on guest poweroff and on
// errors, 64 on a bad -m. The console (com1,stdio) is stdout; SIGTERM is the ACPI power button only
// after the guest enabled ACPI (before that it kills xhyve).
import { createHash } from 'node:crypto';
import { openSync, readSync } from 'node:fs';
import os from 'node:os';

import { bootGuest, env, uuidFromCmdline } from './guest.mjs';

const WITH_ARG = new Set(['Y', 'f', 'F', 'g', 'c', 's', 'm', 'l', 'U']);
const FLAGS = new Set('behvuwxMACHPW'.split(''));
const USAGE =
  'Usage: xhyve [-behuwxMACHPWY] [-c vcpus] [-F <pidfile>] [-g <gdb port>] [-l <lpc>]\n       [-m mem] [-p vcpu:hostcpu] [-s <pci>] [-U uuid] -f <fw>\n';
const fail = (msg, code = 1) => {
  process.stderr.write(msg.endsWith('\n') ? msg : `${msg}\n`);
  process.exit(code);
};

const opts = { s: [], flags: new Set() };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (!/^-[A-Za-z]$/.test(a)) fail(USAGE);
  const k = a[1];
  if (FLAGS.has(k)) opts.flags.add(k);
  else if (WITH_ARG.has(k)) {
    if (i + 1 >= argv.length) fail(USAGE);
    if (k === 's') opts.s.push(argv[++i]);
    else opts[k] = argv[++i];
  } else fail(USAGE);
}
if (opts.flags.has('h')) {
  process.stdout.write(USAGE);
  process.exit(0);
}
if (opts.flags.has('v')) {
  process.stdout.write('xhyve: 0.2.0 (fake)\n');
  process.exit(0);
}

const cpus = Number(opts.c ?? '1');
if (cpus > os.cpus().length) fail(`${cpus} vCPUs requested but only ${os.cpus().length} available`);
const mem = opts.m ?? '256M';
if (!/^\d+[KMGT]?$/i.test(mem)) fail(`Invalid memsize '${mem}'`, 64);
if (opts.l !== undefined && !/^com[12],(stdio|autopty|\/.+)$/.test(opts.l)) {
  fail(`Invalid lpc device configuration '${opts.l}'`, 64);
}

const fw = opts.f;
const parts = fw?.split(',') ?? [];
if (!fw || parts[0] !== 'kexec' || parts.length < 4) {
  fail(
    "Invalid firmware argument\n    -f kexec,'kernel','initrd','\"cmdline\"'\n    -f fbsd,'userboot','boot volume','\"kernel env\"'\n",
  );
}
const [, kernel, initrd] = parts;
const cmdline = parts.slice(3).join(',');
for (const f of [kernel, initrd]) {
  try {
    readSync(openSync(f, 'r'), Buffer.alloc(16), 0, 16, null);
  } catch (e) {
    fail(`kexec: cannot read ${f}: ${e.message}`);
  }
}
for (const s of opts.s) {
  const m = /^(\d+(?::\d+){0,2}),([a-z-]+)(?:,(.*))?$/.exec(s);
  if (!m) fail(`Invalid PCI slot info field "${s}"`);
  if (m[2] === 'virtio-blk') {
    try {
      openSync(m[3], 'r+');
    } catch (e) {
      fail(`Could not open backing file: ${m[3]}: ${e.message}`);
    }
  }
}
const hasNet = opts.s.some((s) => s.includes('virtio-net'));
const uuid = opts.U ?? '00000000-0000-4000-8000-000000000000';
const mac = createHash('md5')
  .update(`vmnet:${uuid}`)
  .digest()
  .subarray(0, 6)
  .map((b, i) => (i === 0 ? (b & 0xfc) | 0x02 : b));
const macText = [...mac].map((b) => b.toString(16).padStart(2, '0')).join(':');
if (hasNet && env.FAKE_VMNET === 'denied') {
  fail('vmnet_interface_create: Could not create vmnet interface, permission denied or no entitlement?');
}
if (opts.flags.has('M')) {
  process.stdout.write(`MAC: ${macText}\n`);
  process.exit(0);
}

const say = (line) => process.stdout.write(`${line}\n`);
const stop = await bootGuest({ say, name: uuidFromCmdline(cmdline) ?? uuid, mac: macText });
// The guest enables ACPI after booting; from then on SIGTERM is the power button.
setTimeout(
  () => {
    process.on('SIGTERM', () => {
      say('dlite: power button');
      say('reboot: Power down');
      stop();
      setTimeout(() => process.exit(1), Number(env.FAKE_POWEROFF_MS ?? 200));
    });
  },
  Number(env.FAKE_ACPI_DELAY_MS ?? 0),
);
if (env.FAKE_CRASH_AFTER_MS) {
  setTimeout(() => {
    process.stderr.write('vm_run error 5\n');
    process.exit(1);
  }, Number(env.FAKE_CRASH_AFTER_MS));
}
setInterval(() => undefined, 60_000);
