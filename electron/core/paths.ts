import os from 'node:os';
import path from 'node:path';

/** Every file Dlite keeps under its home (`~/.dlite`, or `$DLITE_HOME`). */
export interface DlitePaths {
  readonly home: string;
  readonly config: string;
  readonly disk: string;
  readonly osDir: string;
  readonly sshDir: string;
  readonly sshKey: string;
  readonly knownHosts: string;
  readonly runDir: string;
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
  /** A VM saved by an idle suspend: `vm.state` (the hypervisor's file) and `vm.json` (what it must match). */
  readonly suspendDir: string;
  readonly vmPid: string;
  readonly daemonPid: string;
  readonly diskLock: string;
  readonly logDir: string;
  readonly consoleLog: string;
  readonly dliteLog: string;
}

/** macOS limits `sun_path` to 104 bytes (Linux 108); socket paths must stay below. */
export const MAX_SOCKET_PATH = 103;

export function resolvePaths(env: NodeJS.ProcessEnv = process.env): DlitePaths {
  const home = path.resolve(env['DLITE_HOME'] ?? path.join(os.homedir(), '.dlite'));
  const runDir = path.join(home, 'run');
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
    controlSocket: path.join(runDir, 'control.sock'),
    dockerSocket: path.join(runDir, 'docker.sock'),
    qmpSocket: path.join(runDir, 'qmp.sock'),
    dockerPortSocket: path.join(runDir, 'docker-port.sock'),
    engineSocket: path.join(runDir, 'engine.sock'),
    virtiofsSocket: path.join(runDir, 'virtiofs.sock'),
    suspendDir: path.join(home, 'suspend'),
    vmPid: path.join(runDir, 'vm.pid'),
    daemonPid: path.join(runDir, 'daemon.pid'),
    diskLock: path.join(runDir, 'disk.lock'),
    logDir,
    consoleLog: path.join(logDir, 'console.log'),
    dliteLog: path.join(logDir, 'dlite.log'),
  };
}

/** Socket paths that are too long for the platform, with their length; empty when all fit. */
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
