/** The warning to show wherever the `docker_tcp` setting is on or being turned on. */
export function dockerTcpWarning(): string {
  return 'dockerd also listens on TCP 2375 without authentication: anything that can reach the VM can control Docker';
}
