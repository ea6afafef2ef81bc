import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, symlink, copyFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** Applets the test images need; each is a symlink to the static busybox. */
const APPLETS = [
  'sh',
  'echo',
  'cat',
  'ls',
  'sleep',
  'httpd',
  'mkdir',
  'wc',
  'date',
  'true',
  'seq',
  'head',
  'tr',
  'wget',
  'mount',
  'umount',
  'uname',
];

/**
 * A tarball of a minimal busybox root filesystem, built from the host's static busybox
 * (no registry is reachable from the VM here). Import it with `docker import`.
 */
export async function busyboxRootfsTar(
  /** A static busybox for the guest's CPU (default: the host's, for amd64 guests). */
  busybox = '/bin/busybox',
): Promise<{ tar: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dlite-bb-'));
  const root = path.join(dir, 'rootfs');
  await mkdir(path.join(root, 'bin'), { recursive: true });
  await mkdir(path.join(root, 'tmp'));
  await mkdir(path.join(root, 'www'));
  await copyFile(busybox, path.join(root, 'bin', 'busybox'));
  for (const applet of APPLETS) await symlink('busybox', path.join(root, 'bin', applet));
  const tar = path.join(dir, 'rootfs.tar');
  await exec('tar', ['-C', root, '-cf', tar, '.']);
  return { tar, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
