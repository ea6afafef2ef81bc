import { execa } from 'execa';

export interface DockerRunOptions {
  readonly input?: string | Buffer;
  readonly timeoutMs?: number;
}

/**
 * The host docker CLI with `env` (DOCKER_HOST, DOCKER_CONFIG...): `docker` resolves with the result
 * whatever the exit code, `dockerOk` with stdout or throws naming the command and its stderr.
 */
export function dockerCli(env: () => Record<string, string>) {
  const docker = (args: string[], opts: DockerRunOptions = {}) =>
    execa('docker', args, {
      env: env(),
      reject: false,
      encoding: 'utf8',
      timeout: opts.timeoutMs ?? 60_000,
      ...(opts.input === undefined ? { stdin: 'ignore' as const } : { input: opts.input }),
    });
  const dockerOk = async (args: string[], opts: DockerRunOptions = {}): Promise<string> => {
    const r = await docker(args, opts);
    if (r.exitCode !== 0) throw new Error(`docker ${args.join(' ')} exited ${r.exitCode}: ${r.stderr}`);
    return r.stdout;
  };
  return { docker, dockerOk };
}

/** Environment for the host docker CLI on `dockerSocket`, its config kept under `home`, classic builder. */
export function dockerEnvFor(home: string, dockerSocket: string): Record<string, string> {
  return {
    DOCKER_HOST: `unix://${dockerSocket}`,
    DOCKER_CONFIG: `${home}/docker-config`,
    DOCKER_BUILDKIT: '0',
  };
}
