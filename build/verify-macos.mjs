// `npm run verify:macos`: the check to run on a Mac. For each hypervisor installed here (xhyve on
// Intel Macs, vfkit on macOS 13+, QEMU): a throwaway Dlite home, `dlite doctor`, `dlite start`
// (answer the one system-file question in the terminal), `docker run` with a published port reached
// through local.docker, the share read and written from a container, `dlite stop`, `dlite
// uninstall`. Prints a Markdown table for the README's "What ran where" matrix.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { lookup } from 'node:dns/promises';
import os from 'node:os';
import path from 'node:path';

const REPO = path.resolve(import.meta.dirname, '..');
const CLI = path.join(REPO, 'dist/cli/dlite.js');
const PORT = 18_080;

if (process.platform !== 'darwin') {
  console.error(
    `verify:macos runs on a Mac only; this is ${process.platform}. Here the xhyve and vfkit drivers are ` +
      'checked against scripted fakes (npx vitest run test/unit/drivers), and QEMU runs for real (npm test).',
  );
  process.exit(2);
}

function onPath(name) {
  return (
    spawnSync(
      'sh',
      ['-c', `command -v ${name} || ls /opt/homebrew/bin/${name} /usr/local/bin/${name} 2>/dev/null`],
      {
        encoding: 'utf8',
      },
    ).stdout.trim() !== ''
  );
}

const drivers = [
  ...(process.arch !== 'arm64' && onPath('xhyve') ? ['xhyve'] : []),
  ...(onPath('vfkit') ? ['vfkit'] : []),
  ...(onPath('qemu-system-x86_64') || onPath('qemu-system-aarch64') ? ['qemu'] : []),
];
if (drivers.length === 0) {
  console.error('No hypervisor found: brew install vfkit (or xhyve on an Intel Mac, or qemu)');
  process.exit(1);
}
if (!existsSync(CLI)) spawnSync('npm', ['run', 'build'], { cwd: REPO, stdio: 'inherit' });

/** Runs a command; `interactive` shares the terminal (the password question). */
function sh(cmd, args, env, interactive = false) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env, stdio: interactive ? 'inherit' : ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout?.on('data', (d) => (out += d));
    child.stderr?.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ code, out }));
  });
}

const ROWS = [
  'doctor',
  'start',
  'docker run -p (published port)',
  'share read/write',
  'local.docker resolves',
  'stop',
  'uninstall',
];
const results = {};

for (const driver of drivers) {
  const r = (results[driver] = {});
  const tmp = await mkdtemp('/tmp/dlv-');
  const home = path.join(tmp, 'h');
  const share = await mkdtemp(path.join(os.homedir(), '.dlite-verify-'));
  const env = { ...process.env, DLITE_HOME: home, DOCKER_HOST: `unix://${home}/run/docker.sock` };
  const dlite = (args, interactive) => sh(process.execPath, [CLI, ...args], env, interactive);
  const mark = (row, ok, note = '') => {
    r[row] = `${ok ? '✓' : '✗'}${note ? ` ${note}` : ''}`;
    console.log(`[${driver}] ${row}: ${r[row]}`);
    return ok;
  };
  try {
    await dlite(['install', '-c', '2', '-m', '2', '-d', '8', '-S', share]);
    await dlite(['config', 'set', 'hypervisor', driver]);
    const doctor = await dlite(['doctor']);
    mark(
      'doctor',
      doctor.code === 0,
      doctor.code === 0 ? '' : (doctor.out.split('\n').find((l) => l.startsWith('✗')) ?? ''),
    );
    if (!mark('start', (await dlite(['start'], true)).code === 0)) continue;
    const status = JSON.parse((await dlite(['status', '--json'])).out);
    const ip = status.ip;
    const run = await sh(
      'docker',
      ['run', '-d', '--name', 'dlite-verify', '-p', `${PORT}:80`, 'nginx:alpine'],
      env,
    );
    let served = false;
    for (let i = 0; i < 30 && run.code === 0 && !served; i++) {
      served =
        (await sh('curl', ['-fsS', `http://local.docker:${PORT}/`], env)).code === 0 ||
        (await sh('curl', ['-fsS', `http://${ip}:${PORT}/`], env)).code === 0;
      if (!served) await new Promise((res) => setTimeout(res, 1000));
    }
    mark('docker run -p (published port)', served, served ? '' : run.out.trim().split('\n').at(-1));
    await sh('docker', ['rm', '-f', 'dlite-verify'], env);
    await writeFile(path.join(share, 'from-host'), 'host\n');
    const rw = await sh(
      'docker',
      [
        'run',
        '--rm',
        '-v',
        `${share}:/s`,
        'busybox',
        'sh',
        '-c',
        'cat /s/from-host && echo container > /s/from-container',
      ],
      env,
    );
    const back = await readFile(path.join(share, 'from-container'), 'utf8').catch(() => '');
    mark('share read/write', rw.code === 0 && rw.out.includes('host') && back === 'container\n');
    const resolved = await lookup('local.docker').then(
      (a) => a.address,
      () => null,
    );
    mark(
      'local.docker resolves',
      resolved === ip || (driver === 'qemu' && resolved === '127.0.0.1'),
      `→ ${resolved ?? 'nothing'}`,
    );
    mark('stop', (await dlite(['stop'])).code === 0);
  } finally {
    mark('uninstall', (await dlite(['uninstall', '--yes'], true)).code === 0);
    await rm(share, { recursive: true, force: true });
    await rm(tmp, { recursive: true, force: true });
  }
}

const mac = `${os.cpus()[0]?.model ?? process.arch}, macOS ${os.release()}`;
console.log(`\nVerified on ${mac}, ${new Date().toISOString().slice(0, 10)}:\n`);
console.log(`| check | ${drivers.join(' | ')} |`);
console.log(`|---|${drivers.map(() => '---').join('|')}|`);
for (const row of ROWS) console.log(`| ${row} | ${drivers.map((d) => results[d][row] ?? '–').join(' | ')} |`);
process.exit(drivers.every((d) => ROWS.every((row) => (results[d][row] ?? '✗').startsWith('✓'))) ? 0 : 1);
