import type { Settings } from '../../shared/types.js';
import { dockerTcpWarning } from '../../shared/warnings.js';
import { formatSettingValue, parseSettingValue } from '../../core/settings/parse-value.js';
import { SETTINGS_FILE_KEYS, SETTINGS_KEYS } from '../../core/settings/schema.js';
import { UsageError, unwrap, using, type CliContext } from '../context.js';
import type { ParsedCommand } from '../parse.js';
import { posixQuote } from '../shell-env.js';

/** The stored settings: from the daemon when one runs, else from the file (never starts a daemon). */
async function currentSettings(ctx: CliContext): Promise<Settings> {
  const host = await ctx.runningHost();
  if (host === null) return unwrap(await (await ctx.offline()).getSettings());
  return using(host, async (api) => unwrap(await api.getSettings()));
}

/** One `KEY VALUE` line that `dlite config set` takes back as it is, pasted into a shell. */
function settableLine(key: string, value: unknown): string {
  const text = formatSettingValue(key, value);
  // docker_args is already shell words, which config set takes as several VALUE words.
  return `${key} ${key === 'docker_args' && text !== '' ? text : posixQuote(text)}`;
}

/** `dlite config get [KEY] [--json]`. */
export async function configGetCommand(cmd: ParsedCommand, ctx: CliContext): Promise<number> {
  const [key] = cmd.positionals;
  if (key !== undefined && !(SETTINGS_FILE_KEYS as readonly string[]).includes(key)) {
    parseSettingValue(key, ''); // throws "key: unknown setting (valid settings: …)"
  }
  const settings = await currentSettings(ctx);
  const record = settings as unknown as Record<string, unknown>;
  if (cmd.options['json']) {
    ctx.io.out(JSON.stringify(key === undefined ? settings : { [key]: record[key] }, null, 2));
  } else if (key !== undefined) {
    ctx.io.out(formatSettingValue(key, record[key]));
  } else {
    for (const k of SETTINGS_KEYS) ctx.io.out(settableLine(k, record[k]));
  }
  return 0;
}

/**
 * `dlite config set KEY VALUE...`: validated and saved by the daemon, which says what applied live
 * and what needs a restart. Several VALUE words are one value (docker_args flags).
 */
export async function configSetCommand(cmd: ParsedCommand, ctx: CliContext): Promise<number> {
  const [key, ...words] = cmd.positionals as [string, ...string[]];
  if (key !== 'docker_args' && words.length > 1) {
    throw new UsageError(
      `dlite config set: ${key} takes one VALUE, got ${words.length} words (quote a value with spaces)`,
    );
  }
  const text =
    key === 'docker_args'
      ? words
          .filter((w) => w !== '')
          .map(posixQuote)
          .join(' ')
      : (words[0] ?? '');
  const value = parseSettingValue(key, text);
  const update = await using(await ctx.host(), async (api) =>
    unwrap(await api.updateSettings({ [key]: value })),
  );
  if (key === 'docker_tcp' && update.settings.docker_tcp) {
    ctx.io.err(`warning: ${dockerTcpWarning(update.settings.share)}`);
  }
  if (update.appliedLive.length > 0) {
    ctx.io.out(`Saved and applied to the running VM: ${update.appliedLive.join(', ')}.`);
  } else if (update.restartRequired.length > 0) {
    ctx.io.out(
      `Saved. Restart the VM to apply: ${update.restartRequired.join(', ')} ('${ctx.self} restart').`,
    );
  } else ctx.io.out('Saved.');
  return 0;
}
