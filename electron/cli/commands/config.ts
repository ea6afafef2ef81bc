import { dockerTcpWarning } from '../../core/engine/tcp-warning.js';
import { formatSettingValue, formatSettings, parseSettingValue } from '../../core/settings/parse-value.js';
import { SettingsRepository, hostValidationContext } from '../../core/settings/repository.js';
import { cliPaths, unwrap, withDaemon } from '../../core/host/connect-host.js';
import type { CliIo } from '../commands.js';
import { UsageError, parseFlags } from '../flags.js';

/** `dlite config get [KEY]` reads the file directly; `dlite config set KEY VALUE` goes through the supervisor. */
export async function configCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { positional } = parseFlags('config', args, {});
  const [verb, key, ...values] = positional;
  if (verb === 'get') {
    if (values.length > 0) throw new UsageError('dlite config get: takes at most one KEY');
    const paths = cliPaths(io);
    const settings = await new SettingsRepository(paths).load(await hostValidationContext(paths));
    if (key === undefined) {
      for (const [k, text] of formatSettings(settings)) io.out(`${k} = ${text}`);
      return 0;
    }
    if (!(key in settings)) {
      parseSettingValue(key, ''); // throws the "unknown setting (valid settings: …)" error
    }
    io.out(formatSettingValue(key, (settings as unknown as Record<string, unknown>)[key]));
    return 0;
  }
  if (verb === 'set') {
    if (key === undefined || values.length !== 1) {
      throw new UsageError('dlite config set: usage: dlite config set KEY VALUE');
    }
    const value = parseSettingValue(key, values[0] ?? '');
    const update = await withDaemon(io, async (api) => unwrap(await api.updateSettings({ [key]: value })));
    if (key === 'docker_tcp' && update.settings.docker_tcp) io.err(`warning: ${dockerTcpWarning()}`);
    if (update.appliedLive.length > 0) {
      io.out(`Saved and applied to the running VM: ${update.appliedLive.join(', ')}.`);
    } else if (update.restartRequired.length > 0) {
      io.out(`Saved. Restart the VM to apply: ${update.restartRequired.join(', ')} ('dlite restart').`);
    } else io.out('Saved.');
    return 0;
  }
  throw new UsageError("dlite config: expected 'get [KEY]' or 'set KEY VALUE'");
}
