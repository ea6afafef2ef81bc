export { classifyChanges, LIVE_KEYS, type SettingsChanges } from './diff.js';
export { DOCKERD_FLAGS } from './dockerd-flags.js';
export { SettingsError, type FieldError, type SettingsErrorCode } from './settings-error.js';
export { MIGRATIONS, MigrationError, migrate, type MigrationResult, type RawSettings } from './migrations.js';
export { formatSettingValue, formatSettings, parseSettingValue } from './parse-value.js';
export {
  SettingsRepository,
  hostValidationContext,
  type SettingsRepositoryOptions,
  type SettingsUpdateResult,
} from './repository.js';
export {
  CURRENT_SCHEMA_VERSION,
  DEFAULT_OS_CHANNEL_URL,
  MAX_DISK_GIB,
  SETTINGS_FILE_KEYS,
  SETTINGS_KEYS,
  defaultSettings,
  hostFacts,
  maxMemoryGiB,
  serializeSettings,
  type HostFacts,
} from './schema.js';
export {
  isValidHostname,
  validatePatch,
  validateSettings,
  type ValidationContext,
  type ValidationResult,
} from './validate.js';
