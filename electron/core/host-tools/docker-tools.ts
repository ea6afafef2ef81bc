import { run } from '../process/run.js';

/** The host-side Docker tools Dlite's engine is used with. */
export type DockerTool = 'docker' | 'buildx' | 'compose';

/** One tool as found on this host. */
export interface DockerToolStatus {
  readonly tool: DockerTool;
  /** The name `dlite doctor` prints: `docker CLI`, `docker buildx`, `docker compose`. */
  readonly label: string;
  /** The version it reports (without a leading `v`), or null when it is missing or does not run. */
  readonly version: string | null;
  /** One line: the version, or what is wrong and how to get it. */
  readonly detail: string;
}

/** Runs `docker ARGS` and resolves with stdout; rejects when it cannot run or exits non-zero. */
export type DockerRunner = (args: readonly string[]) => Promise<string>;

const LABELS: Record<DockerTool, string> = {
  docker: 'docker CLI',
  buildx: 'docker buildx',
  compose: 'docker compose',
};

const VERSION = String.raw`v?(\d+\.\d+\.\d+[0-9A-Za-z.+~-]*)`;

/** `Docker version 28.2.2, build e6534b4` → `28.2.2`; null when the text is not that. */
export function parseDockerVersion(stdout: string): string | null {
  return new RegExp(String.raw`^Docker version ${VERSION},`, 'm').exec(stdout)?.[1] ?? null;
}

/** `github.com/docker/buildx v0.13.1 <commit>` (Debian: `0.13.1+ds1`) → `0.13.1…`; null otherwise. */
export function parseBuildxVersion(stdout: string): string | null {
  return new RegExp(String.raw`^\S*buildx\S* ${VERSION}(\s|$)`, 'm').exec(stdout)?.[1] ?? null;
}

/** `Docker Compose version v2.26.1` → `2.26.1`; null otherwise (also for Compose v1's `docker-compose`). */
export function parseComposeVersion(stdout: string): string | null {
  const v = new RegExp(String.raw`^Docker Compose version ${VERSION}`, 'm').exec(stdout)?.[1] ?? null;
  return v !== null && Number(v.split('.')[0]) >= 2 ? v : null;
}

/**
 * How to install what is missing, one sentence. macOS: Homebrew (as Colima users do); on Apple
 * Silicon, Homebrew's plugin folder must also be listed in `cliPluginsExtraDirs` of
 * `~/.docker/config.json`, because the docker CLI does not look there by itself.
 */
export function installHint(missing: readonly DockerTool[], platform: NodeJS.Platform, arch: string): string {
  const formula: Record<DockerTool, string> = {
    docker: 'docker',
    buildx: 'docker-buildx',
    compose: 'docker-compose',
  };
  if (platform === 'darwin') {
    const brew = `brew install ${missing.map((t) => formula[t]).join(' ')}`;
    const plugins = missing.some((t) => t !== 'docker');
    const dir =
      arch === 'arm64' ? '/opt/homebrew/lib/docker/cli-plugins' : '/usr/local/lib/docker/cli-plugins';
    return plugins && arch === 'arm64'
      ? `${brew}, then add "cliPluginsExtraDirs": ["${dir}"] to ~/.docker/config.json`
      : brew;
  }
  const deb: Record<DockerTool, string> = {
    docker: 'docker-cli',
    buildx: 'docker-buildx',
    compose: 'docker-compose',
  };
  return `Debian 13: apt-get install ${missing.map((t) => deb[t]).join(' ')}`;
}

const PROBES: readonly { tool: DockerTool; args: readonly string[]; parse: (s: string) => string | null }[] =
  [
    { tool: 'docker', args: ['--version'], parse: parseDockerVersion },
    { tool: 'buildx', args: ['buildx', 'version'], parse: parseBuildxVersion },
    { tool: 'compose', args: ['compose', 'version'], parse: parseComposeVersion },
  ];

const WHY: Record<DockerTool, string> = {
  docker: 'needed to use the engine from this machine',
  buildx: 'docker build uses BuildKit through it',
  compose: 'for docker compose (v2)',
};

/**
 * Asks the host's docker CLI for its version and for its buildx and compose plugins. Never throws: a
 * tool that is missing or does not answer gets version null and a detail saying how to install it.
 * Plugins are not probed without the CLI.
 */
export async function checkDockerTools(
  runDocker: DockerRunner,
  platform: NodeJS.Platform = process.platform,
  arch: string = process.arch,
): Promise<DockerToolStatus[]> {
  const found = new Map<DockerTool, string | null>();
  for (const probe of PROBES) {
    if (probe.tool !== 'docker' && !found.get('docker')) {
      found.set(probe.tool, null);
      continue;
    }
    const out = await runDocker(probe.args).catch(() => null);
    found.set(probe.tool, out === null ? null : probe.parse(out));
  }
  return PROBES.map(({ tool }) => {
    const version = found.get(tool) ?? null;
    const detail =
      version !== null
        ? version
        : `not found (${WHY[tool]}): ${installHint(
            tool === 'docker' ? ['docker', 'buildx', 'compose'] : [tool],
            platform,
            arch,
          )}`;
    return { tool, label: LABELS[tool], version, detail };
  });
}

/** A {@link DockerRunner} over the real `docker` binary on PATH, with `env` (DOCKER_CONFIG matters). */
export function systemDockerRunner(env: NodeJS.ProcessEnv = process.env): DockerRunner {
  const extra = Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('DOCKER_')));
  return async (args) => (await run('docker', args, { timeoutMs: 10_000, env: extra })).stdout;
}
