import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';

/** Every file Dlite keeps under its home (`~/.dlite`, `~/.dlite-<profile>`, or `$DLITE_HOME`). */
export interface DlitePaths {
  readonly home: string;
  readonly config: string;
  readonly disk: string;
  readonly osDir: string;
  readonly sshDir: string;
  readonly sshKey: string;
  readonly knownHosts: string;
  /**
   * Sockets, pidfiles and locks. `<home>/run` when socket paths fit there; for a long home, a short
   * per-user folder (`/tmp/dlite-<uid>/<hash of the home>`) that `<home>/run` links to (see `runLink`).
   */
  readonly runDir: string;
  /** `<home>/run` when it is a link to a short {@link runDir}; null when runDir is `<home>/run` itself. */
  readonly runLink: string | null;
  readonly controlSocket: string;
  readonly dockerSocket: string;
  readonly qmpSocket: string;
  /** The hypervisor's end of the guest's Docker port (virtio-serial), where it has one. */
  readonly dockerPortSocket: string;
  /**
   * Where the docker.sock transport (Docker port or SSH forward) serves the engine; `dockerSocket`
   * is the daemon's front door that passes every client through to it, and keeps listening while
   * the VM sleeps.
   */
  readonly engineSocket: string;
  /** virtiofsd's vhost-user socket (QEMU with virtiofs). */
  readonly virtiofsSocket: string;
  /**
   * QEMU's copy of the OS image's initramfs, which QEMU keeps mapped for as long as it runs; emptied
   * once the guest has booted (see QemuDriver.returnFreeMemory).
   */
  readonly bootInitrd: string;
  /** A VM saved by an idle suspend: `vm.state` (the hypervisor's file) and `vm.json` (what it must match). */
  readonly suspendDir: string;
  readonly vmPid: string;
  readonly daemonPid: string;
  readonly diskLock: string;
  readonly logDir: string;
  readonly consoleLog: string;
  readonly dliteLog: string;
  /** What this home created, so uninstall removes that and nothing else. */
  readonly manifest: string;
  /** This home's docker CLI context: `dlite` for `~/.dlite`, `dlite-<name>` for the others. */
  readonly dockerContext: string;
}

/** macOS limits `sun_path` to 104 bytes including the NUL (Linux 108); socket paths must stay below. */
export const MAX_SOCKET_PATH = 103;

/** Room kept for a socket's file name in the run folder (`docker-port.sock` and future ones). */
export const MAX_SOCKET_NAME = 24;

/** Profile names (`dlite -p NAME`): what a docker context name and a folder name both accept. */
const PROFILE_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/** Why `name` is not a valid profile name, or null when it is. */
export function profileProblem(name: string): string | null {
  if (name === 'default') return null;
  return PROFILE_NAME.test(name)
    ? null
    : `profile ${JSON.stringify(name)} must be 1-32 lowercase letters, digits, '-' or '_', starting with a letter or digit`;
}

/**
 * The Dlite home: `~/.dlite-<profile>` for a profile (`default` is `~/.dlite`), else `$DLITE_HOME`,
 * else `~/.dlite`. Throws when both a profile and a different `DLITE_HOME` are given, or the
 * profile name is invalid.
 */
export function resolveHome(env: NodeJS.ProcessEnv, profile?: string, homedir = os.homedir()): string {
  const fromEnv = env['DLITE_HOME'] ? path.resolve(env['DLITE_HOME']) : undefined;
  if (profile === undefined) return fromEnv ?? path.join(homedir, '.dlite');
  const problem = profileProblem(profile);
  if (problem !== null) throw new Error(problem);
  const home = path.join(homedir, profile === 'default' ? '.dlite' : `.dlite-${profile}`);
  if (fromEnv !== undefined && fromEnv !== home) {
    throw new Error(`--profile ${profile} (${home}) and DLITE_HOME=${fromEnv} name different homes; use one`);
  }
  return home;
}

/**
 * The docker context name of `home`: `dlite` for `~/.dlite`, `dlite-<name>` for `~/.dlite-<name>`,
 * and `dlite-<folder>-<6 hex of the path>` for any other folder, so two homes never share one.
 */
export function dockerContextName(home: string, homedir = os.homedir()): string {
  if (home === path.join(homedir, '.dlite')) return 'dlite';
  const base = path.basename(home);
  const profile = base.startsWith('.dlite-') && path.dirname(home) === homedir ? base.slice(7) : null;
  if (profile !== null && PROFILE_NAME.test(profile)) return `dlite-${profile}`;
  const slug =
    base
      .toLowerCase()
      .replace(/[^a-z0-9_.-]+/g, '-')
      .replace(/^[^a-z0-9]+/, '')
      .slice(0, 24) || 'home';
  const hash = createHash('sha256').update(home).digest('hex').slice(0, 6);
  return `dlite-${slug}-${hash}`;
}

/** The short per-user run folder for a home whose own `run/` would make socket paths too long. */
export function shortRunDir(home: string, uid = process.getuid?.() ?? 0): string {
  const hash = createHash('sha256').update(home).digest('hex').slice(0, 12);
  return path.join('/tmp', `dlite-${uid}`, hash);
}

/** True when sockets in `runDir` fit {@link MAX_SOCKET_PATH} with {@link MAX_SOCKET_NAME} to spare. */
export function socketsFit(runDir: string): boolean {
  return Buffer.byteLength(runDir) + 1 + MAX_SOCKET_NAME <= MAX_SOCKET_PATH;
}

/** Every path of the home chosen by `env` (and `profile`, see {@link resolveHome}). Pure. */
export function resolvePaths(env: NodeJS.ProcessEnv = process.env, profile?: string): DlitePaths {
  return pathsForHome(resolveHome(env, profile));
}

/** Every path of the Dlite home `home` (an absolute path). Pure. */
export function pathsForHome(home: string): DlitePaths {
  const homeRun = path.join(home, 'run');
  const runDir = socketsFit(homeRun) ? homeRun : shortRunDir(home);
  const logDir = path.join(home, 'log');
  const sshDir = path.join(home, 'ssh');
  return {
    home,
    config: path.join(home, 'config.json'),
    disk: path.join(home, 'disk.img'),
    osDir: path.join(home, 'os'),
    sshDir,
    sshKey: path.join(sshDir, 'id_ed25519'),
    knownHosts: path.join(sshDir, 'known_hosts'),
    runDir,
    runLink: runDir === homeRun ? null : homeRun,
    controlSocket: path.join(runDir, 'control.sock'),
    dockerSocket: path.join(runDir, 'docker.sock'),
    qmpSocket: path.join(runDir, 'qmp.sock'),
    dockerPortSocket: path.join(runDir, 'docker-port.sock'),
    engineSocket: path.join(runDir, 'engine.sock'),
    virtiofsSocket: path.join(runDir, 'virtiofs.sock'),
    bootInitrd: path.join(runDir, 'initrd'),
    suspendDir: path.join(home, 'suspend'),
    vmPid: path.join(runDir, 'vm.pid'),
    daemonPid: path.join(runDir, 'daemon.pid'),
    diskLock: path.join(runDir, 'disk.lock'),
    logDir,
    consoleLog: path.join(logDir, 'console.log'),
    dliteLog: path.join(logDir, 'dlite.log'),
    manifest: path.join(home, '.dlite-manifest.json'),
    dockerContext: dockerContextName(home),
  };
}

/** Socket paths that are too long for the platform; empty when all fit. */
export function overlongSockets(paths: DlitePaths): string[] {
  return [
    paths.controlSocket,
    paths.dockerSocket,
    paths.qmpSocket,
    paths.dockerPortSocket,
    paths.engineSocket,
    paths.virtiofsSocket,
  ].filter((p) => Buffer.byteLength(p) > MAX_SOCKET_PATH);
}
