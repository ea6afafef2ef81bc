// A scripted vfkit (crc-org/vfkit as REFERENCE.md section 2 documents it), for the driver tests:
// the flags and their option syntax (--bootloader split on commas outside quotes, --device split on
// every comma), the REST API on --restful-uri unix://… (GET/POST /vm/state), the console in
// virtio-serial's logFilePath, NAT with the given MAC (a bootpd lease after a delay), virtio-vsock
// in connect mode (each connection to socketURL dials the guest's port: here a unix socket
// FAKE_VSOCK_DIR/<port>.sock stands in for it), SIGTERM = RequestStop then force after 5 s.
import { appendFileSync, existsSync, openSync, readSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';

import { bootGuest, env, uuidFromCmdline } from './guest.mjs';

const fail = (msg) => {
  process.stderr.write(`Error: ${msg}\n`);
  process.exit(1);
};

/** vfkit's stringSlice parsing: commas split, except inside double quotes; outer quotes trimmed. */
function strv(value) {
  const out = [];
  let cur = '';
  let quoted = false;
  for (const c of value) {
    if (quoted) {
      if (c === '"') quoted = false;
      cur += c;
    } else if (c === ',') {
      out.push(cur);
      cur = '';
    } else {
      if (c === '"') quoted = true;
      cur += c;
    }
  }
  if (quoted) fail('mismatched "');
  out.push(cur);
  return out.map((s) => (s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s));
}
const options = (list) =>
  Object.fromEntries(
    list
      .filter(Boolean)
      .map((o) => (o.includes('=') ? [o.slice(0, o.indexOf('=')), o.slice(o.indexOf('=') + 1)] : [o, ''])),
  );

const opts = { devices: [] };
const argv = process.argv.slice(2);
const FLAG = {
  '--cpus': 'cpus',
  '-c': 'cpus',
  '--memory': 'memory',
  '-m': 'memory',
  '--bootloader': 'bootloader',
  '-b': 'bootloader',
  '--device': 'device',
  '-d': 'device',
  '--restful-uri': 'rest',
  '--pidfile': 'pidfile',
  '--log-level': 'log',
};
for (let i = 0; i < argv.length; i++) {
  const [flag, inline] =
    argv[i].includes('=') && argv[i].startsWith('--')
      ? [argv[i].slice(0, argv[i].indexOf('=')), argv[i].slice(argv[i].indexOf('=') + 1)]
      : [argv[i], undefined];
  const key = FLAG[flag];
  if (!key) fail(`unknown flag: ${flag}`);
  const value = inline ?? argv[++i];
  if (value === undefined) fail(`flag needs an argument: ${flag}`);
  if (key === 'device') opts.devices.push(value);
  else opts[key] = value;
}
if (!opts.bootloader) fail('missing --bootloader');
const [kind, ...bootOpts] = strv(opts.bootloader);
if (kind !== 'linux') fail(`unknown bootloader type: ${kind}`);
const boot = options(bootOpts);
for (const k of Object.keys(boot)) {
  if (!['kernel', 'initrd', 'cmdline'].includes(k)) fail(`Unknown option for linux bootloaders: ${k}`);
}
const head = Buffer.alloc(8);
try {
  readSync(openSync(boot.kernel, 'r'), head, 0, 8, 0);
} catch (e) {
  fail(`open ${boot.kernel}: ${e.message}`);
}
if (head[0] === 0x1f && head[1] === 0x8b) {
  fail(`kernel must be uncompressed, ${boot.kernel} is a compressed file`);
}
if (!existsSync(boot.initrd)) fail(`open ${boot.initrd}: no such file or directory`);

let consoleLog = null;
let mac = null;
const vsock = [];
for (const d of opts.devices) {
  const [type, ...rest] = d.split(',');
  const o = options(rest);
  switch (type) {
    case 'virtio-blk':
      if (!o.path || !existsSync(o.path)) fail(`virtio-blk: ${o.path}: no such file`);
      break;
    case 'virtio-net':
      if (!('nat' in o)) fail('virtio-net: only nat is supported by this fake');
      if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(o.mac ?? '')) fail(`virtio-net: invalid MAC ${o.mac}`);
      mac = o.mac;
      break;
    case 'virtio-serial':
      if (!o.logFilePath) fail('virtio-serial: missing logFilePath');
      consoleLog = o.logFilePath;
      break;
    case 'virtio-rng':
      break;
    case 'virtio-fs':
      if (!o.sharedDir || !existsSync(o.sharedDir)) fail(`virtio-fs: ${o.sharedDir}: no such directory`);
      if (!o.mountTag) fail('virtio-fs: missing mountTag');
      break;
    case 'virtio-vsock':
      if (!o.port || !o.socketURL) fail('virtio-vsock: port and socketURL are required');
      vsock.push({ port: o.port, socket: o.socketURL, connect: 'connect' in o });
      break;
    default:
      fail(`unknown device type: ${type}`);
  }
}
const rest = /^unix:\/\/(\/.+)$/.exec(opts.rest ?? '')?.[1];
if (!rest) fail('this fake needs --restful-uri unix:///path');
if (Buffer.byteLength(rest) > 103) fail(`listen unix ${rest}: bind: invalid argument`);

let state = 'Starting';
const say = (line) => {
  if (consoleLog) appendFileSync(consoleLog, `${line}\n`);
};
const servers = [];
function exitStopped() {
  state = 'Stopped';
  for (const s of servers) s.close();
  rmSync(rest, { force: true });
  for (const v of vsock) rmSync(v.socket, { force: true });
  setTimeout(() => process.exit(0), 20);
}
function requestStop() {
  if (state !== 'Running') return;
  state = 'Stopping';
  say('dlite: power button');
  setTimeout(
    () => {
      say('reboot: Power down');
      exitStopped();
    },
    Number(env.FAKE_POWEROFF_MS ?? 200),
  );
}

const api = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    if (req.url !== '/vm/state') return void res.writeHead(404).end();
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(
        JSON.stringify({
          state: `VirtualMachineState${state}`,
          canStart: false,
          canPause: state === 'Running',
          canResume: false,
          canStop: state === 'Running',
          canHardStop: true,
        }),
      );
    }
    let wanted;
    try {
      wanted = JSON.parse(body).state;
    } catch {
      return void res.writeHead(400).end('invalid JSON');
    }
    if (wanted === 'Stop') {
      if (env.FAKE_IGNORE_STOP) return void res.writeHead(200).end();
      res.writeHead(200).end();
      return void requestStop();
    }
    if (wanted === 'HardStop') {
      res.writeHead(200).end();
      return void exitStopped();
    }
    res.writeHead(400).end(`unsupported state ${wanted}`);
  });
});
await new Promise((r) => api.listen(rest, r));
servers.push(api);
for (const v of vsock) {
  if (!v.connect) continue;
  const server = net.createServer((host) => {
    const guest = net.connect(path.join(env.FAKE_VSOCK_DIR ?? '/nonexistent', `${v.port}.sock`));
    guest.on('connect', () => {
      host.pipe(guest);
      guest.pipe(host);
    });
    guest.on('error', () => host.destroy());
    host.on('error', () => guest.destroy());
    guest.on('close', () => host.destroy());
    host.on('close', () => guest.destroy());
  });
  await new Promise((r) => server.listen(v.socket, r));
  servers.push(server);
}
process.on('SIGTERM', () => {
  requestStop();
  setTimeout(exitStopped, 5000);
});
process.on('SIGINT', () => process.emit('SIGTERM'));

state = 'Running';
const stopGuest = await bootGuest({
  say,
  name: uuidFromCmdline(boot.cmdline ?? '') ?? 'guest',
  mac: mac ?? '02:00:00:00:00:01',
});
servers.push({ close: stopGuest });
if (env.FAKE_CRASH_AFTER_MS) {
  setTimeout(() => {
    process.stderr.write('Error: the VM stopped with an error\n');
    process.exit(1);
  }, Number(env.FAKE_CRASH_AFTER_MS));
}
