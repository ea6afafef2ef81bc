import { execFileSync } from 'node:child_process';

import { describe, expect, it } from 'vitest';

import { withDockerArgs } from '../../../electron/core/engine/engine-flags.js';

const SEED = '# Extra arguments for dockerd\nDOCKER_ARGS=""\n';

/** What run-dockerd ends up passing: source the file like it does, split like it does. */
function sourced(text: string): string[] {
  const script = `DOCKER_ARGS=; eval "$1"; set -f; for a in $DOCKER_ARGS; do printf '%s\\n' "$a"; done`;
  const out = execFileSync('sh', ['-c', script, 'sh', text], { encoding: 'utf8' });
  return out === '' ? [] : out.trimEnd().split('\n');
}

describe('withDockerArgs', () => {
  it('appends our flags after the user DOCKER_ARGS in a fenced block', () => {
    const user = 'DOCKER_ARGS="--debug"\n';
    const text = withDockerArgs(user, ['--insecure-registry=r.local:5000', '--experimental']);
    expect(text.startsWith(user)).toBe(true);
    expect(text).toMatch(/^# BEGIN dlite: docker_args/m);
    expect(sourced(text)).toEqual(['--debug', '--insecure-registry=r.local:5000', '--experimental']);
  });

  it('is idempotent and replaces its own block on change', () => {
    const once = withDockerArgs(SEED, ['--a']);
    expect(withDockerArgs(once, ['--a'])).toBe(once);
    const changed = withDockerArgs(once, ['--b']);
    expect(changed.match(/BEGIN dlite/g)).toHaveLength(1);
    expect(sourced(changed)).toEqual(['--b']);
  });

  it('removes the block when the setting is emptied, leaving the file as it was', () => {
    expect(withDockerArgs(withDockerArgs(SEED, ['--a']), [])).toBe(SEED);
  });

  it('keeps shell metacharacters literal', () => {
    expect(sourced(withDockerArgs(SEED, ["--label=x'$(id)`y`"]))).toEqual(["--label=x'$(id)`y`"]);
  });

  it('refuses flags run-dockerd would split', () => {
    expect(() => withDockerArgs(SEED, ['--label=a b'])).toThrow(/one word/);
    expect(() => withDockerArgs(SEED, [''])).toThrow(/one word/);
  });
});
