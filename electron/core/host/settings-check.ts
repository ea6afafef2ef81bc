import type { SettingsCheck } from '../../shared/types.js';
import type { DlitePaths } from '../paths.js';
import { settingsAccess } from './compose.js';
import { classifyChanges } from '../settings/diff.js';
import { validatePatch, type ValidationContext } from '../settings/validate.js';
import type { Settings } from '../../shared/types.js';

/**
 * What applying `patch` to `current` would do (pure apart from `ctx.pathExists`): every field error
 * (list items carry their index), and which changed keys need a restart or apply live.
 */
export function checkPatch(current: Settings, patch: unknown, ctx: ValidationContext): SettingsCheck {
  const result = validatePatch(current, patch, ctx);
  if (!result.ok) return { errors: result.errors, restartRequired: [], live: [] };
  const changes = classifyChanges(current, result.settings);
  return { errors: [], restartRequired: changes.restartRequired, live: changes.live };
}

/** {@link checkPatch} against the Dlite home's stored settings (defaults when there are none). Saves nothing. */
export async function checkSettingsPatch(
  paths: DlitePaths,
  patch: unknown,
  env: NodeJS.ProcessEnv = process.env,
): Promise<SettingsCheck> {
  const { repo, context } = settingsAccess(paths, env);
  const ctx = await context();
  return checkPatch((await repo.inspect(ctx)).settings, patch, ctx);
}
