import { chmod, mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import {
  CURRENT_SCHEMA_VERSION,
  SettingsError,
  SettingsRepository,
  type HostFacts,
  type ValidationContext,
} from '../../../electron/core/settings/index.js';
import { resolvePaths } from '../../../electron/core/paths.js';

import { ORIGINAL_FILE, tempDir } from './fixtures.js';

const NOW = new Date('2024-05-01T10:20:30.000Z');
const INVALID_SUFFIX = '.invalid-2024-05-01T10-20-30.000Z';

let home = '';
let cleanup: () => Promise<void> = () => Promise.resolve();
let repo: SettingsRepository;
let ctx: ValidationContext;

beforeEach(async () => {
  const t = await tempDir('dlite-home-');
  home = t.dir;
  cleanup = t.cleanup;
  const host: HostFacts = { platform: 'linux', homedir: home, cpus: 2, memoryGiB: 8 };
  ctx = { host, currentDiskBytes: null };
  repo = new SettingsRepository(resolvePaths({ DLITE_HOME: home }), { now: () => NOW });
});
afterEach(() => cleanup());

const configPath = (): string => path.join(home, 'config.json');
const files = async (): Promise<string[]> => (await readdir(home)).sort();

async function failure(p: Promise<unknown>): Promise<SettingsError> {
  const e = await p.then(
    () => new Error('expected a SettingsError'),
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(SettingsError);
  return e as SettingsError;
}

describe('SettingsRepository.inspect / load', () => {
  it('answers defaults without writing anything when there is no file', async () => {
    const { settings, existed, problems } = await repo.load(ctx);
    expect(settings).toMatchObject({
      cpu_count: 2,
      memory: 2,
      share: home,
      schema_version: CURRENT_SCHEMA_VERSION,
    });
    expect(existed).toBe(false);
    expect(problems).toEqual([]);
    expect(await files()).toEqual([]);
  });

  it('reports bad JSON naming the file and the line/column, and leaves it in place', async () => {
    const text = '{\n  "uuid": "3f2c6f8e-1b7d-4c55-9a0e-7d1f2b3c4d5e",\n  "cpu_count": ,\n  "memory": 2\n}\n';
    await writeFile(configPath(), text);
    for (const read of [repo.inspect(ctx), repo.load(ctx)]) {
      const e = await failure(read);
      expect(e.code).toBe('config-unreadable');
      expect(e.message).toContain(`${configPath()}: not valid JSON at line 3, column 16;`);
      expect(e.message).not.toContain('\n');
      expect(e.movedTo).toBeUndefined();
    }
    expect(await readFile(configPath(), 'utf8')).toBe(text);
    expect(await files()).toEqual(['config.json']);
  });

  it('points at the end of a truncated file', async () => {
    await writeFile(configPath(), '{"uuid": "x",\n"memory": 2');
    const e = await failure(repo.inspect(ctx));
    expect(e.message).toContain('not valid JSON at line 2, column 12');
  });

  it('reports a file with wrong types, naming the field, and leaves it in place', async () => {
    const text = ORIGINAL_FILE.replace('"cpu_count":1', '"cpu_count":"lots"').replace('/Users', home);
    await writeFile(configPath(), text);
    const e = await failure(repo.load(ctx));
    expect(e.code).toBe('invalid-settings');
    expect(e.field).toBe('cpu_count');
    expect(e.message).toMatch(new RegExp(`^${configPath()}: cpu_count: must be an integer between 1 and`));
    expect(e.toDto().details).toMatchObject({ file: configPath(), errors: [{ field: 'cpu_count' }] });
    expect(await readFile(configPath(), 'utf8')).toBe(text);
  });

  it('keeps a valid file that does not fit this machine, reporting each misfit as a problem', async () => {
    const text = JSON.stringify({
      ...JSON.parse(ORIGINAL_FILE.replace('/Users', '/not/mounted/here')),
      cpu_count: 64,
      memory: 64,
    });
    await writeFile(configPath(), text);
    const { settings, problems } = await repo.load(ctx);
    expect(settings).toMatchObject({
      memory: 64,
      cpu_count: 64,
      uuid: '9A1C7B2E-5F0D-4C3B-8E6A-1D2F3A4B5C6D',
    });
    expect(problems.map((p) => [p.field, p.severity])).toEqual([
      ['cpu_count', 'error'],
      ['memory', 'error'],
      ['share', 'error'],
    ]);
    expect(problems[1]!.message).toBe(
      'memory: is 64 GiB, more than this machine can give (8 GiB, 1 GiB stays with the host); use 1 to 7',
    );
    expect(await readdir(home)).not.toContainEqual(expect.stringMatching(/invalid/));
  });

  it('keeps unknown keys and reports them as warnings', async () => {
    await repo.init({}, ctx);
    const raw = JSON.parse(await readFile(configPath(), 'utf8')) as Record<string, unknown>;
    await writeFile(configPath(), JSON.stringify({ ...raw, colour: 'blue' }));
    const { problems } = await repo.load(ctx);
    expect(problems).toEqual([
      {
        field: 'colour',
        severity: 'warning',
        message: 'colour: unknown setting, kept as it is (this Dlite does not use it)',
      },
    ]);
    await repo.update({ memory: 3 }, ctx);
    expect(JSON.parse(await readFile(configPath(), 'utf8'))).toMatchObject({ memory: 3, colour: 'blue' });
  });

  it('reports a config.json that is a folder', async () => {
    await mkdir(configPath());
    const e = await failure(repo.inspect(ctx));
    expect(e.code).toBe('config-unreadable');
    expect(e.message).toBe(`${configPath()}: is a folder, not a file; move it away`);
  });

  it('load migrates the original dlite file, keeps a byte-identical .bak-v0 and saves the current schema', async () => {
    const text = ORIGINAL_FILE.replace('/Users', home);
    await writeFile(configPath(), text);
    expect((await repo.inspect(ctx)).settings.schema_version).toBe(CURRENT_SCHEMA_VERSION);
    expect(await files()).toEqual(['config.json']);
    const { settings } = await repo.load(ctx);
    expect(settings).toMatchObject({
      uuid: '9A1C7B2E-5F0D-4C3B-8E6A-1D2F3A4B5C6D',
      cpu_count: 1,
      share: home,
      disk_size: 20,
      use_docker_context: false,
    });
    expect(await readFile(`${configPath()}.bak-v0`, 'utf8')).toBe(text);
    const saved = JSON.parse(await readFile(configPath(), 'utf8')) as Record<string, unknown>;
    expect(saved['schema_version']).toBe(CURRENT_SCHEMA_VERSION);
    expect(saved).toEqual(settings);
    expect((await repo.load(ctx)).settings).toEqual(settings);
  });

  it('fills a dlite 2.x file without share from the host defaults', async () => {
    await writeFile(
      configPath(),
      '{"uuid":"b7e3b2a0-6a3e-4f3e-9a55-0d1c2b3a4f5e","cpu_count":2,"disk_size":30,"memory":4,"hostname":"local.docker","dns_server":"","extra":"","docker_version":"1.12.1","route":false}',
    );
    expect((await repo.load(ctx)).settings).toMatchObject({
      share: home,
      disk_size: 30,
      memory: 4,
      dns: [],
      docker_args: [],
    });
  });

  it('refuses a file from a newer schema and leaves it untouched', async () => {
    const text = JSON.stringify({ schema_version: CURRENT_SCHEMA_VERSION + 1, uuid: 'x' });
    await writeFile(configPath(), text);
    const e = await failure(repo.load(ctx));
    expect(e.code).toBe('config-unreadable');
    expect(e.field).toBe('schema_version');
    expect(e.message).toMatch(/is newer than this Dlite understands.*\(the file was left untouched\)$/);
    expect(e.movedTo).toBeUndefined();
    await failure(repo.init({}, ctx));
    expect(await readFile(configPath(), 'utf8')).toBe(text);
    expect(await files()).toEqual(['config.json']);
  });
});

describe('SettingsRepository.init / update', () => {
  it('init writes defaults plus overrides: 0600, seed keys first, 2-space JSON, trailing newline', async () => {
    const { settings } = await repo.init({ memory: 4, hostname: 'dev.docker' }, ctx);
    const text = await readFile(configPath(), 'utf8');
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.split('\n')[1]).toBe(`  "uuid": "${settings.uuid}",`);
    expect(Object.keys(JSON.parse(text) as object).slice(0, 6)).toEqual([
      'uuid',
      'cpu_count',
      'memory',
      'hostname',
      'share',
      'schema_version',
    ]);
    expect(JSON.parse(text)).toMatchObject({ memory: 4, hostname: 'dev.docker' });
    expect((await stat(configPath())).mode & 0o777).toBe(0o600);
    expect(await files()).toEqual(['config.json']);
  });

  it('init merges overrides into an existing file and keeps its uuid', async () => {
    const first = await repo.init({}, ctx);
    const second = await repo.init({ cpu_count: 1 }, ctx);
    expect(second.settings).toEqual({ ...first.settings, cpu_count: 1 });
  });

  it('init refuses overrides that do not fit this machine and writes nothing', async () => {
    const e = await failure(repo.init({ memory: 64 }, ctx));
    expect(e.field).toBe('memory');
    expect(await files()).toEqual([]);
  });

  it('init moves bad JSON aside byte for byte and keeps the uuid it still holds', async () => {
    const text = '{"uuid": "3f2c6f8e-1b7d-4c55-9a0e-7d1f2b3c4d5e", "cpu_count": ,}';
    await writeFile(configPath(), text);
    const r = await repo.init({}, ctx);
    expect(r.movedTo).toBe(configPath() + INVALID_SUFFIX);
    expect(r.uuidRecovered).toBe(true);
    expect(r.settings.uuid).toBe('3f2c6f8e-1b7d-4c55-9a0e-7d1f2b3c4d5e');
    expect(await readFile(r.movedTo!, 'utf8')).toBe(text);
    expect(await files()).toEqual(['config.json', `config.json${INVALID_SUFFIX}`]);
  });

  it('save is atomic: no temp file left, the previous file kept as .bak, mode 0600', async () => {
    await repo.init({}, ctx);
    const firstText = await readFile(configPath(), 'utf8');
    await chmod(configPath(), 0o644);
    await repo.update({ memory: 3 }, ctx);
    expect(await files()).toEqual(['config.json', 'config.json.bak']);
    expect(await readFile(`${configPath()}.bak`, 'utf8')).toBe(firstText);
    expect((await repo.load(ctx)).settings.memory).toBe(3);
    expect((await stat(configPath())).mode & 0o777).toBe(0o600);
  });

  it('update saves a valid patch and classifies the changes', async () => {
    await repo.init({}, ctx);
    const { settings, changes } = await repo.update(
      { memory: 4, registry_mirrors: ['https://m.example'] },
      ctx,
    );
    expect(settings.memory).toBe(4);
    expect(changes).toEqual({
      changed: ['memory', 'registry_mirrors'],
      restartRequired: ['memory'],
      live: ['registry_mirrors'],
    });
    expect((await repo.load(ctx)).settings).toEqual(settings);
  });

  it('update keeps a value that does not fit this machine when another key changes', async () => {
    const r = await repo.init({}, ctx);
    const text = await readFile(configPath(), 'utf8');
    await writeFile(configPath(), text.replace('"memory": 2', '"memory": 64'));
    const { settings, problems } = await repo.update({ cpu_count: 1 }, ctx);
    expect(settings).toMatchObject({ uuid: r.settings.uuid, memory: 64, cpu_count: 1 });
    expect(problems.map((p) => p.field)).toEqual(['memory']);
    expect(JSON.parse(await readFile(configPath(), 'utf8'))).toMatchObject({
      uuid: r.settings.uuid,
      memory: 64,
    });
  });

  it('update refuses on a file it cannot use and leaves it in place', async () => {
    await writeFile(configPath(), '{ "cpu_count": 2,, }');
    const e = await failure(repo.update({ memory: 2 }, ctx));
    expect(e.code).toBe('config-unreadable');
    expect(await files()).toEqual(['config.json']);
  });

  it('update reports every field error in one SettingsError and leaves the file alone', async () => {
    await repo.init({}, ctx);
    const before = await readFile(configPath(), 'utf8');
    const e = await failure(repo.update({ cpu_count: 0, dns: ['nope'] }, ctx));
    expect(e.code).toBe('invalid-settings');
    expect(e.message).toMatch(/^cpu_count: must be an integer between 1 and \d+ \(and 1 more\)$/);
    expect(e.errors.map((x) => x.field)).toEqual(['cpu_count', 'dns']);
    expect(await readFile(configPath(), 'utf8')).toBe(before);
  });

  it('update without a change does not rewrite an existing file', async () => {
    const current = await repo.init({}, ctx);
    const result = await repo.update({ memory: current.settings.memory }, ctx);
    expect(result.changes.changed).toEqual([]);
    expect(await files()).toEqual(['config.json']);
  });

  it('runs concurrent updates one at a time so none is lost', async () => {
    await repo.init({}, ctx);
    await Promise.all([repo.update({ memory: 5 }, ctx), repo.update({ dns: ['1.1.1.1'] }, ctx)]);
    expect((await repo.load(ctx)).settings).toMatchObject({ memory: 5, dns: ['1.1.1.1'] });
  });
});
