/** Codes a Docker endpoint step can fail with; each maps onto an ErrorDto code. */
export type DockerErrorCode = 'docker-unreachable' | 'timeout' | 'cancelled' | 'ssh-failed' | 'internal';

/** A failure reaching or configuring the guest's Docker engine. `message` is one actionable line. */
export class DockerError extends Error {
  constructor(
    readonly code: DockerErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DockerError';
  }
}
