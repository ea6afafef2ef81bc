import { DOCKER_TCP_WARNING } from '../../shared/warnings.js';

/** The warning to show wherever the `docker_tcp` setting is on or being turned on. */
export function dockerTcpWarning(): string {
  return DOCKER_TCP_WARNING;
}
