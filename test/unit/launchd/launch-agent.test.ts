import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runCli } from '../../../electron/cli/run-cli.js';
import {
  installLaunchAgent,
  launchAgentLabel,
  launchAgentPath,
  launchAgentPlist,
  removeLaunchAgent,
} from '../../../electron/core/launchd/launch-agent.js';
import { resolvePaths } from '../../../electron/core/paths.js';

/** Parses a property list with Python's plistlib: an independent, strict reader of the format. */
function parsePlist(text: string): unknown {
  const r = spawnSync(
    'python3',
    ['-c', 'import json,plistlib,sys; print(json.dumps(plistlib.loads(sys.stdin.buffer.read())))'],
    {
      input: text,
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) throw new Error(`not a property list: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

describe('the login agent', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dlite-agent-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('is a property list that runs `dlite daemon --keep-alive` at login for this home', () => {
    const paths = resolvePaths({ DLITE_HOME: '/Users/Jane & Co/.dlite' });
    const text = launchAgentPlist({
      label: 'io.dlite.daemon',
      program: ['/usr/local/bin/node', '/Applications/Dlite.app/Contents/Resources/app/dist/cli/dlite.js'],
      paths,
    });
    expect(parsePlist(text)).toEqual({
      Label: 'io.dlite.daemon',
      ProgramArguments: [
        '/usr/local/bin/node',
        '/Applications/Dlite.app/Contents/Resources/app/dist/cli/dlite.js',
        'daemon',
        '--keep-alive',
      ],
      EnvironmentVariables: {
        DLITE_HOME: '/Users/Jane & Co/.dlite',
        PATH: '/opt/homebrew/bin:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin',
      },
      RunAtLoad: true,
      KeepAlive: { SuccessfulExit: false },
      LimitLoadToSessionType: 'Aqua',
      ProcessType: 'Background',
      WorkingDirectory: '/Users/Jane & Co/.dlite',
      StandardOutPath: '/Users/Jane & Co/.dlite/log/launchd.log',
      StandardErrorPath: '/Users/Jane & Co/.dlite/log/launchd.log',
    });
  });

  it('names the default home io.dlite.daemon and any other home uniquely', () => {
    expect(launchAgentLabel('/Users/me/.dlite', '/Users/me')).toBe('io.dlite.daemon');
    expect(launchAgentLabel('/Users/me/other', '/Users/me')).toMatch(/^io\.dlite\.daemon\.[0-9a-f]{8}$/);
    expect(launchAgentPath('io.dlite.daemon', '/Users/me')).toBe(
      '/Users/me/Library/LaunchAgents/io.dlite.daemon.plist',
    );
  });

  it('is written, loaded with launchctl bootstrap, and removed again', async () => {
    const calls: string[][] = [];
    const launchctl = (args: readonly string[]) => {
      calls.push([...args]);
      return args[0] === 'bootout' ? Promise.reject(new Error('not loaded')) : Promise.resolve();
    };
    const paths = resolvePaths({ DLITE_HOME: path.join(dir, '.dlite') });
    const file = await installLaunchAgent(
      { label: 'io.dlite.daemon', program: [process.execPath, '/opt/dlite/dist/cli/dlite.js'], paths },
      { userHome: dir, uid: 501, launchctl },
    );
    expect(file).toBe(path.join(dir, 'Library/LaunchAgents/io.dlite.daemon.plist'));
    expect(parsePlist(await readFile(file, 'utf8'))).toMatchObject({ Label: 'io.dlite.daemon' });
    expect((await stat(file)).mode & 0o777).toBe(0o644);
    expect(calls).toEqual([
      ['bootout', 'gui/501/io.dlite.daemon'],
      ['bootstrap', 'gui/501', file],
    ]);
    expect(await removeLaunchAgent('io.dlite.daemon', { userHome: dir, uid: 501, launchctl })).toBe(true);
    expect(calls.at(-1)).toEqual(['bootout', 'gui/501/io.dlite.daemon']);
    await expect(stat(file)).rejects.toThrow();
    expect(await removeLaunchAgent('io.dlite.daemon', { userHome: dir, uid: 501, launchctl })).toBe(false);
  });

  it('dlite install --launch-agent refuses clearly off macOS, before doing anything', async () => {
    const home = path.join(dir, 'refused');
    const err: string[] = [];
    const code = await runCli(['install', '--launch-agent'], {
      out: () => undefined,
      err: (t) => err.push(t),
      isTty: false,
      errIsTty: false,
      env: { ...process.env, DLITE_HOME: home },
    });
    expect(code).toBe(2);
    expect(err).toEqual([
      'dlite install: --launch-agent writes a launchd login agent, which exists only on macOS',
    ]);
    await expect(stat(home)).rejects.toThrow();
  });
});
