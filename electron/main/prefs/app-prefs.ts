import {
  APP_WINDOWS,
  QUIT_ACTIONS,
  TERMINAL_APPS,
  type AppPrefs,
  type AppPrefsPatch,
  type AppWindow,
} from '../../shared/app-types.js';
import { err, ok, type Result } from '../../shared/errors.js';

/** A window's place on screen, in screen points. */
export interface Bounds {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** What the app keeps in its preferences file (electron-store). Launch at login lives in the system. */
export interface StoredPrefs {
  readonly terminal: AppPrefs['terminal'];
  readonly quitAction: AppPrefs['quitAction'];
  readonly windows: Readonly<Partial<Record<AppWindow, Bounds>>>;
}

export const DEFAULT_PREFS: StoredPrefs = {
  terminal: 'auto',
  quitAction: 'ask',
  windows: {},
};

function isBounds(v: unknown): v is Bounds {
  if (typeof v !== 'object' || v === null) return false;
  const b = v as Record<string, unknown>;
  return (
    ['x', 'y', 'width', 'height'].every((k) => Number.isFinite(b[k])) &&
    Number(b['width']) > 0 &&
    Number(b['height']) > 0
  );
}

/**
 * Reads a stored preferences object (pure): each valid value is kept, anything else falls back
 * to its default, so a hand-edited or older file never stops the app.
 */
export function readStoredPrefs(raw: unknown): StoredPrefs {
  const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const windows: Partial<Record<AppWindow, Bounds>> = {};
  const rawWindows = (
    typeof r['windows'] === 'object' && r['windows'] !== null ? r['windows'] : {}
  ) as Record<string, unknown>;
  for (const name of APP_WINDOWS) {
    const b = rawWindows[name];
    if (isBounds(b)) windows[name] = { x: b.x, y: b.y, width: b.width, height: b.height };
  }
  return {
    terminal: (TERMINAL_APPS as readonly unknown[]).includes(r['terminal'])
      ? (r['terminal'] as StoredPrefs['terminal'])
      : DEFAULT_PREFS.terminal,
    quitAction: (QUIT_ACTIONS as readonly unknown[]).includes(r['quitAction'])
      ? (r['quitAction'] as StoredPrefs['quitAction'])
      : DEFAULT_PREFS.quitAction,
    windows,
  };
}

/**
 * Checks a preferences change from the renderer (pure). Unknown keys and bad values are refused
 * with a one-line message naming the field; nothing is applied then.
 */
export function validatePrefsPatch(patch: unknown): Result<AppPrefsPatch> {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
    return err('invalid-argument', 'preferences: a change must be an object');
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(patch as Record<string, unknown>)) {
    const bad = (rule: string) => err<AppPrefsPatch>('invalid-argument', `${key}: ${rule}`, { field: key });
    switch (key) {
      case 'launchAtLogin':
        if (typeof value !== 'boolean') return bad('must be true or false');
        break;
      case 'terminal':
        if (!(TERMINAL_APPS as readonly unknown[]).includes(value)) {
          return bad(`must be one of ${TERMINAL_APPS.join(', ')}`);
        }
        break;
      case 'quitAction':
        if (!(QUIT_ACTIONS as readonly unknown[]).includes(value)) {
          return bad(`must be one of ${QUIT_ACTIONS.join(', ')}`);
        }
        break;
      default:
        return err('invalid-argument', `${key}: unknown preference`, { field: key });
    }
    out[key] = value;
  }
  return ok(out as AppPrefsPatch);
}
