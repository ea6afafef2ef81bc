import { execFileSync } from 'node:child_process';

import { describe, expect, it } from 'vitest';

import { quoteArg } from '../../../electron/core/process/command-format.js';

import {
  controlPath,
  describeSshFailure,
  hostKeyAlias,
  remoteCommand,
  sshBaseArgs,
  sshInteractiveArgs,
} from '../../../electron/core/ssh/ssh-args.js';

const paths = {
  sshKey: '/h/.dlite/ssh/id_ed25519',
  knownHosts: '/h/.dlite/ssh/known_hosts',
  runDir: '/h/.dlite/run',
};
const target = {
  paths,
  endpoint: { host: '127.0.0.1', port: 52022 },
  hostKeyAlias: hostKeyAlias('0b6f3c2e-1111-2222-3333-444455556666'),
};

function option(args: string[], name: string): string | undefined {
  const i = args.findIndex((a, j) => a.startsWith(`${name}=`) && args[j - 1] === '-o');
  return i === -1 ? undefined : args[i]!.slice(name.length + 1);
}

describe('sshBaseArgs', () => {
  const args = sshBaseArgs(target);

  it('logs in with only our key, no agent, no config file, non-interactively', () => {
    expect(args.slice(0, 4)).toEqual(['-F', 'none', '-i', paths.sshKey]);
    expect(option(args, 'IdentitiesOnly')).toBe('yes');
    expect(option(args, 'IdentityAgent')).toBe('none');
    expect(option(args, 'BatchMode')).toBe('yes');
    expect(option(args, 'ConnectTimeout')).toBe('5');
    expect(option(args, 'LogLevel')).toBe('ERROR');
  });

  it('pins the host key under a uuid alias in our own known_hosts', () => {
    expect(option(args, 'UserKnownHostsFile')).toBe(paths.knownHosts);
    expect(option(args, 'StrictHostKeyChecking')).toBe('accept-new');
    expect(option(args, 'HostKeyAlias')).toBe('dlite-0b6f3c2e-1111-2222-3333-444455556666');
  });

  it('ends with port, end of options and the docker user at the endpoint', () => {
    expect(args.slice(-4)).toEqual(['-p', '52022', '--', 'docker@127.0.0.1']);
    expect(sshBaseArgs({ ...target, user: 'root' }).at(-1)).toBe('root@127.0.0.1');
  });

  it('puts extra options before the destination', () => {
    const extra = sshBaseArgs(target, ['-N', '-L', '/a:/b']);
    expect(extra.indexOf('-L')).toBeLessThan(extra.indexOf('--'));
    expect(extra.slice(-4)).toEqual(['-p', '52022', '--', 'docker@127.0.0.1']);
  });

  it('interactive args are the same plus -t', () => {
    const i = sshInteractiveArgs(target);
    expect(i.filter((a) => a !== '-t')).toEqual(args);
    expect(i.indexOf('-t')).toBeLessThan(i.indexOf('--'));
  });

  it('is accepted by the real ssh option parser', () => {
    // `-G` prints the resolved configuration without connecting.
    const out = execFileSync('ssh', ['-G', ...args.filter((a) => a !== '--')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(out).toMatch(/^hostkeyalias dlite-0b6f3c2e/m);
    expect(out).toMatch(/^stricthostkeychecking accept-new/m);
    expect(out).toMatch(/^port 52022$/m);
    expect(out).toMatch(/^user docker$/m);
  });
});

describe('controlPath', () => {
  it('uses ssh-%C in the run dir when it fits a socket address', () => {
    expect(controlPath({ runDir: '/Users/me/.dlite/run' })).toBe('/Users/me/.dlite/run/ssh-%C');
  });

  it('gives up on sharing when the expanded path would be too long', () => {
    expect(controlPath({ runDir: `/Users/${'x'.repeat(60)}/.dlite/run` })).toBeNull();
  });
});

describe('remote quoting', () => {
  it.each([
    ['plain', 'plain'],
    ['/etc/docker/daemon.json', '/etc/docker/daemon.json'],
    ['', "''"],
    ['two words', "'two words'"],
    ["it's", "'it'\\''s'"],
    ['$HOME', "'$HOME'"],
    ['a;b', "'a;b'"],
  ])('quotes %j as %s', (arg, quoted) => {
    expect(quoteArg(arg)).toBe(quoted);
  });

  it('delivers every argv element verbatim through a real POSIX shell', () => {
    const argv = [
      'printf',
      '%s\\n',
      'with space',
      "single'quote",
      'dollar $HOME $(id)',
      'back`tick`',
      '"dq"',
      '',
      '*',
      'new\nline',
    ];
    const out = execFileSync('sh', ['-c', remoteCommand(argv)], { encoding: 'utf8' });
    expect(out).toBe(`${argv.slice(2).join('\n')}\n`);
  });

  it('passes a string command line unchanged', () => {
    expect(remoteCommand('echo $HOME | wc -c')).toBe('echo $HOME | wc -c');
  });

  it('refuses an empty argv', () => {
    expect(() => remoteCommand([])).toThrow(/empty/);
  });
});

describe('describeSshFailure', () => {
  it('names the alias and known_hosts file when the host key changed', () => {
    const stderr =
      '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\nHost key verification failed.\n';
    expect(describeSshFailure(stderr, target)).toBe(
      "The VM's SSH host key changed; run 'dlite uninstall' or remove the line for " +
        'dlite-0b6f3c2e-1111-2222-3333-444455556666 from /h/.dlite/ssh/known_hosts',
    );
  });

  it('explains a refused key and a server that is not up', () => {
    expect(describeSshFailure('docker@127.0.0.1: Permission denied (publickey).', target)).toMatch(
      /refused Dlite's SSH key/,
    );
    expect(
      describeSshFailure('ssh: connect to host 127.0.0.1 port 52022: Connection refused', target),
    ).toMatch(/127\.0\.0\.1:52022 is not answering yet/);
  });
});
