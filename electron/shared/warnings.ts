/**
 * The warning to show wherever the `docker_tcp` setting is on or being turned on (CLI, settings
 * window, daemon log). It states the whole risk: the Docker API on TCP 2375 has no authentication,
 * and Docker is root in the VM, which mounts the shared folder read-write.
 */
export function dockerTcpWarning(share?: string): string {
  const folder = share === undefined ? 'the shared folder' : `the shared folder ${share}`;
  return (
    'docker_tcp opens the Docker API on TCP port 2375 without authentication (127.0.0.1:2375 with QEMU, ' +
    "the VM's address with xhyve and vfkit): any local user of this machine can then control Docker, " +
    `which means root in the VM and read and write access to ${folder}`
  );
}
