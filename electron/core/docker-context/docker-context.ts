import { execa } from 'execa';

import { DliteError } from '../dlite-error.js';

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

/** A Dlite home's docker context: its name (`dlite`, `dlite-<profile>`, …) and the home's docker.sock. */
export interface DliteContext {
  readonly name: string;
  readonly socketPath: string;
}

/** argv (after `docker`) creating the context. */
export function contextCreateArgs(ctx: DliteContext): string[] {
  return [
    'context',
    'create',
    ctx.name,
    '--description',
    'Dlite',
    '--docker',
    `host=${dockerHost(ctx.socketPath)}`,
  ];
}

/** argv (after `docker`) pointing an existing context at the home's socket. */
export function contextUpdateArgs(ctx: DliteContext): string[] {
  return ['context', 'update', ctx.name, '--docker', `host=${dockerHost(ctx.socketPath)}`];
}

export interface ContextResult {
  readonly status: 'created' | 'updated' | 'unchanged' | 'docker-missing';
  /** True when this home's context is the current one afterwards. */
  readonly current: boolean;
  /** Set when the docker CLI is missing: show it, do not fail. */
  readonly warning?: string;
}

function missingWarning(name: string): string {
  return `The docker CLI was not found on PATH: install it to use Dlite's engine (context '${name}' not configured)`;
}

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
    throw new DliteError('internal', `docker ${args.join(' ')} could not run: ${r.shortMessage}`);
  }
  return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
}

async function mustSucceed(args: readonly string[], cli: DockerCliOptions): Promise<string> {
  const r = await docker(args, cli);
  if (r.exitCode !== 0) {
    throw new DliteError(
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

async function endpointOf(name: string, cli: DockerCliOptions): Promise<string | null> {
  const inspect = await docker(['context', 'inspect', name, '--format', '{{.Endpoints.docker.Host}}'], cli);
  return inspect.exitCode === 0 ? inspect.stdout.trim() : null;
}

/**
 * Makes the home's docker context point at its socket (create, or update when the endpoint
 * differs). Switches the user's current context to it ONLY when `use` is true. Idempotent.
 * A missing docker CLI resolves with `status: 'docker-missing'` and a warning.
 */
export async function ensureDockerContext(
  ctx: DliteContext,
  options: DockerCliOptions & { readonly use: boolean },
): Promise<ContextResult> {
  try {
    const endpoint = await endpointOf(ctx.name, options);
    let status: ContextResult['status'];
    if (endpoint === null) {
      await mustSucceed(contextCreateArgs(ctx), options);
      status = 'created';
    } else if (endpoint !== dockerHost(ctx.socketPath)) {
      await mustSucceed(contextUpdateArgs(ctx), options);
      status = 'updated';
    } else {
      status = 'unchanged';
    }
    if (options.use) await mustSucceed(['context', 'use', ctx.name], options);
    return { status, current: (await currentDockerContext(options)) === ctx.name };
  } catch (e) {
    if (e instanceof DockerMissing) {
      return { status: 'docker-missing', current: false, warning: missingWarning(ctx.name) };
    }
    throw e;
  }
}

export interface ContextRemoval {
  /** `removed`; `absent`: there was none; `foreign`: it points at another socket and was left alone. */
  readonly status: 'removed' | 'absent' | 'foreign' | 'docker-missing';
  /** The endpoint a `foreign` context points at. */
  readonly endpoint?: string;
  readonly warning?: string;
}

/**
 * Removes the home's context (uninstall) only when it points at this home's socket. When it is
 * the current context, switches back to `default` first. Idempotent; a missing docker CLI
 * resolves with a warning.
 */
export async function removeDockerContext(
  ctx: DliteContext,
  cli: DockerCliOptions = {},
): Promise<ContextRemoval> {
  try {
    const endpoint = await endpointOf(ctx.name, cli);
    if (endpoint === null) return { status: 'absent' };
    if (endpoint !== dockerHost(ctx.socketPath)) return { status: 'foreign', endpoint };
    if ((await currentDockerContext(cli)) === ctx.name) {
      await mustSucceed(['context', 'use', 'default'], cli);
    }
    await mustSucceed(['context', 'rm', ctx.name], cli);
    return { status: 'removed' };
  } catch (e) {
    if (e instanceof DockerMissing) return { status: 'docker-missing', warning: missingWarning(ctx.name) };
    throw e;
  }
}
