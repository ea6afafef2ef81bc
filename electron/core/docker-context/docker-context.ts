import { execa } from 'execa';

import { DockerError } from '../docker-api/docker-error.js';

/** The docker CLI context Dlite manages. */
export const CONTEXT_NAME = 'dlite';

export interface DockerCliOptions {
  /** Extra environment for the docker CLI, e.g. `DOCKER_CONFIG` (process.env is inherited). */
  readonly env?: Readonly<Record<string, string>>;
  /** The docker CLI binary (default `docker` from PATH). */
  readonly dockerBin?: string;
}

/** `unix:///…/docker.sock`: the endpoint a context or DOCKER_HOST names. */
export function dockerHost(socketPath: string): string {
  return `unix://${socketPath}`;
}

/** argv (after `docker`) creating the dlite context. */
export function contextCreateArgs(socketPath: string): string[] {
  return [
    'context',
    'create',
    CONTEXT_NAME,
    '--description',
    'Dlite',
    '--docker',
    `host=${dockerHost(socketPath)}`,
  ];
}

/** argv (after `docker`) pointing an existing dlite context at `socketPath`. */
export function contextUpdateArgs(socketPath: string): string[] {
  return ['context', 'update', CONTEXT_NAME, '--docker', `host=${dockerHost(socketPath)}`];
}

export interface ContextResult {
  readonly status: 'created' | 'updated' | 'unchanged' | 'docker-missing';
  /** True when `dlite` is the current context afterwards. */
  readonly current: boolean;
  /** Set when the docker CLI is missing: show it, do not fail. */
  readonly warning?: string;
}

const MISSING_WARNING =
  "The docker CLI was not found on PATH: install it to use Dlite's engine (context 'dlite' not configured)";

class DockerMissing extends Error {}

async function docker(
  args: readonly string[],
  cli: DockerCliOptions,
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const r = await execa(cli.dockerBin ?? 'docker', args, {
    reject: false,
    stdin: 'ignore',
    timeout: 30_000,
    ...(cli.env ? { env: cli.env } : {}),
  });
  if (r.exitCode === undefined) {
    if ((r as { code?: string }).code === 'ENOENT') throw new DockerMissing();
    throw new DockerError('internal', `docker ${args.join(' ')} could not run: ${r.shortMessage}`);
  }
  return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
}

async function mustSucceed(args: readonly string[], cli: DockerCliOptions): Promise<string> {
  const r = await docker(args, cli);
  if (r.exitCode !== 0) {
    throw new DockerError(
      'internal',
      `docker ${args.join(' ')} failed: ${r.stderr.trim().split('\n').at(-1) ?? `exit ${r.exitCode}`}`,
    );
  }
  return r.stdout.trim();
}

/** The docker CLI's current context name. */
export async function currentDockerContext(cli: DockerCliOptions = {}): Promise<string> {
  return mustSucceed(['context', 'show'], cli);
}

/**
 * Makes the `dlite` docker context point at `socketPath` (create, or update when the endpoint
 * differs). Switches the user's current context to it ONLY when `use` is true. Idempotent.
 * A missing docker CLI resolves with `status: 'docker-missing'` and a warning.
 */
export async function ensureDockerContext(
  socketPath: string,
  options: DockerCliOptions & { readonly use: boolean },
): Promise<ContextResult> {
  try {
    const inspect = await docker(
      ['context', 'inspect', CONTEXT_NAME, '--format', '{{.Endpoints.docker.Host}}'],
      options,
    );
    let status: ContextResult['status'];
    if (inspect.exitCode !== 0) {
      await mustSucceed(contextCreateArgs(socketPath), options);
      status = 'created';
    } else if (inspect.stdout.trim() !== dockerHost(socketPath)) {
      await mustSucceed(contextUpdateArgs(socketPath), options);
      status = 'updated';
    } else {
      status = 'unchanged';
    }
    if (options.use) await mustSucceed(['context', 'use', CONTEXT_NAME], options);
    return { status, current: (await currentDockerContext(options)) === CONTEXT_NAME };
  } catch (e) {
    if (e instanceof DockerMissing) {
      return { status: 'docker-missing', current: false, warning: MISSING_WARNING };
    }
    throw e;
  }
}

/**
 * Removes the `dlite` context (uninstall). When it is the current context, switches back to
 * `default` first. Idempotent; a missing docker CLI resolves with a warning.
 */
export async function removeDockerContext(
  cli: DockerCliOptions = {},
): Promise<{ removed: boolean; warning?: string }> {
  try {
    const inspect = await docker(['context', 'inspect', CONTEXT_NAME], cli);
    if (inspect.exitCode !== 0) return { removed: false };
    if ((await currentDockerContext(cli)) === CONTEXT_NAME) {
      await mustSucceed(['context', 'use', 'default'], cli);
    }
    await mustSucceed(['context', 'rm', CONTEXT_NAME], cli);
    return { removed: true };
  } catch (e) {
    if (e instanceof DockerMissing) return { removed: false, warning: MISSING_WARNING };
    throw e;
  }
}
