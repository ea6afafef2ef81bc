import type { ServiceStatus } from '../../shared/app-types.js';
import type { ProgressDto, VmStatus } from '../../shared/types.js';

/** The glyphs drawn in `resources/tray/` (see `draw-icons.mjs`). */
export const TRAY_GLYPHS = ['stopped', 'running', 'busy-1', 'busy-2', 'busy-3', 'error', 'sleeping'] as const;
export type TrayGlyph = (typeof TRAY_GLYPHS)[number];

/** How long each frame of the starting/stopping animation shows, ms. */
export const FRAME_MS = 250;

/** What the tray shows: the VM state, or the app's link to the daemon while it is not ready. */
export interface TrayView {
  readonly status: VmStatus | null;
  readonly progress: ProgressDto | null;
  readonly service: ServiceStatus;
}

/**
 * The VM state as a string: a state name the contract does not list yet (e.g. `sleeping`) is
 * shown as itself, never dropped.
 */
export function shownState(view: TrayView): string {
  if (view.service.phase === 'connecting') return 'connecting';
  if (view.service.phase === 'failed') return 'service-failed';
  return view.status?.state ?? 'connecting';
}

/**
 * The frames to show for `view`, in play order (pure): one glyph when still, three for the
 * filling (starting) or draining (stopping) cube.
 */
export function trayFrames(view: TrayView): readonly TrayGlyph[] {
  switch (shownState(view)) {
    case 'running':
      return ['running'];
    case 'starting':
    case 'connecting':
      return ['busy-1', 'busy-2', 'busy-3'];
    case 'stopping':
      return ['busy-3', 'busy-2', 'busy-1'];
    case 'error':
    case 'service-failed':
      return ['error'];
    case 'sleeping':
      return ['sleeping'];
    default:
      return ['stopped'];
  }
}

/**
 * The icon file of `glyph`: a template image on macOS (black + alpha, name ending in `Template`,
 * tinted by the menu bar), a coloured one elsewhere. Electron picks the `@2x` file itself.
 */
export function trayIconFile(glyph: TrayGlyph, platform: NodeJS.Platform): string {
  return platform === 'darwin' ? `${glyph}Template.png` : `${glyph}.png`;
}

/** The tooltip: the state in words, e.g. "Dlite — running (2 CPU, 4 GiB)" (pure). */
export function trayTooltip(view: TrayView): string {
  const s = view.status;
  switch (shownState(view)) {
    case 'connecting':
      return 'Dlite — starting the Dlite service…';
    case 'service-failed':
      return `Dlite — the Dlite service could not start: ${view.service.message ?? 'unknown reason'}`;
    case 'running':
      return `Dlite — running (${s?.cpus ?? 0} CPU, ${s?.memoryGiB ?? 0} GiB)`;
    case 'starting':
      return `Dlite — starting: ${view.progress?.description ?? 'booting the VM'}…`;
    case 'stopping':
      return 'Dlite — stopping…';
    case 'error':
      return `Dlite — error: ${s?.failure ? `${s.failure.step} failed` : 'the VM failed'}`;
    case 'sleeping':
      return 'Dlite — sleeping (wakes on use)';
    default:
      return 'Dlite — stopped';
  }
}
