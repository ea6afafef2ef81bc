// One throwaway Dlite installation driven the way a user drives it: the built CLI, the host docker CLI.
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';

import { isAlive, now, run, sleep, waitFor } from './proc.mjs';

export const REPO = path.resolve(import.meta.dirname, '../../..');
/** The CLI under test: the build in dist/, or another build named by DLITE_BENCH_CLI (before/after runs). */
export const CLI = process.env['DLITE_BENCH_CLI'] ?? path.join(REPO, 'dist/cli/dlite.js');
export const IMAGE_DIR = path.join(REPO, 'build/os/out/amd64');

/**
 * Creates a temp home under /tmp (short: unix socket paths must stay under 104 bytes), a docker
 * config dir and a share folder. Nothing is installed until {@link Session.install}.
 */
export async function createSession({ cpus = 2, memoryGiB = 2, diskGiB = 16 } = {}) {
  const tmp = await mkdtemp('/tmp/dlb-');
  const home = path.join(tmp, 'h');
  const share = path.join(tmp, 'share');
  await mkdir(share);
  await mkdir(path.join(tmp, 'docker-config'));
  const env = {
    ...process.env,
    DLITE_HOME: home,
    DOCKER_CONFIG: path.join(tmp, 'docker-config'),
    DOCKER_HOST: `unix://${home}/run/docker.sock`,
    DOCKER_CLI_HINTS: 'false',
    // Throwaway VMs leave the machine's /etc/hosts alone.
    DLITE_HOST_INTEGRATION: 'off',
  };
  return new Session({ tmp, home, share, env, cpus, memoryGiB, diskGiB });
}

export class Session {
  constructor(o) {
    Object.assign(this, o);
    this.dockerSocket = path.join(o.home, 'run/docker.sock');
    this.installed = false;
  }

  dlite(args, opts = {}) {
    return run(process.execPath, [CLI, ...args], { env: this.env, ...opts });
  }

  docker(args, opts = {}) {
    return run('docker', args, { env: this.env, ...opts });
  }

  /** Runs a shell script in the guest over `dlite ssh` as user `docker`. */
  guest(script, opts = {}) {
    return this.dlite(['ssh', '--', 'sh', '-c', script], opts);
  }

  async install() {
    await this.dlite([
      'install',
      ...['-c', String(this.cpus), '-m', String(this.memoryGiB), '-d', String(this.diskGiB)],
      ...['-S', this.share, '--os-image', IMAGE_DIR],
    ]);
    this.installed = true;
  }

  /** Pid of QEMU from run/vm.pid, or null when no live one. */
  async vmPid() {
    const text = await readFile(path.join(this.home, 'run/vm.pid'), 'utf8').catch(() => '');
    const pid = Number(text.trim());
    return pid > 0 && isAlive(pid) ? pid : null;
  }

  /** Pid of the `dlite daemon --foreground` process from run/daemon.pid, or null. */
  async daemonPid() {
    const text = await readFile(path.join(this.home, 'run/daemon.pid'), 'utf8').catch(() => '');
    try {
      const pid = JSON.parse(text).pid;
      return pid > 0 && isAlive(pid) ? pid : null;
    } catch {
      return null;
    }
  }

  /** One `GET /_ping` on the host socket; true when dockerd answered OK. */
  ping(timeoutMs = 2_000) {
    return dockerGet(this.dockerSocket, '/_ping', { timeoutMs }).then(
      (r) => r.status === 200 && r.body === 'OK',
      () => false,
    );
  }

  /** Waits until the QEMU process `pid` is gone; resolves the time it was seen gone (ms clock). */
  async waitGone(pid, timeoutMs = 120_000) {
    await waitFor(`QEMU ${pid} to exit`, () => (isAlive(pid) ? undefined : true), {
      timeoutMs,
      intervalMs: 10,
    });
    return now();
  }

  /** Uninstalls (stops the VM and daemon, removes the home) and deletes the temp dir; never throws. */
  async cleanup() {
    if (this.installed) {
      await this.dlite(['uninstall', '--yes'], { timeoutMs: 180_000, check: false }).catch(() => undefined);
    }
    const pid = await this.vmPid().catch(() => null);
    if (pid) process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 3; i++) {
      try {
        await rm(this.tmp, { recursive: true, force: true });
        return;
      } catch {
        await sleep(500);
      }
    }
  }
}

/** `GET path` over a unix socket with a fresh connection; resolves `{ status, body }`. */
export function dockerGet(socketPath, urlPath, { timeoutMs = 5_000, agent } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.get({ socketPath, path: urlPath, agent: agent ?? false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${urlPath} timed out`)));
    req.on('error', reject);
  });
}
