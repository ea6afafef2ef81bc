/** Shown wherever `docker_tcp` is on or being turned on (CLI, settings window, daemon log). */
export const DOCKER_TCP_WARNING =
  'dockerd also listens on TCP 2375 without authentication: anything that can reach the VM can control Docker';
