import type { Bounds } from '../prefs/app-prefs.js';

/** Gap between the tray icon and the popover, points. */
const GAP = 4;

/**
 * Where the popover goes (pure): centred under the tray icon (above it when the icon is in the
 * bottom half of the screen, as on a bottom panel), kept inside the work area. Linux trays often
 * report empty bounds: then the top-right corner of the work area.
 */
export function popoverPosition(
  tray: Bounds,
  size: { width: number; height: number },
  workArea: Bounds,
): { x: number; y: number } {
  const right = workArea.x + workArea.width;
  const bottom = workArea.y + workArea.height;
  if (tray.width === 0 && tray.height === 0) {
    return { x: right - size.width - GAP, y: workArea.y + GAP };
  }
  const centre = tray.x + tray.width / 2;
  const x = Math.round(
    Math.min(Math.max(centre - size.width / 2, workArea.x + GAP), right - size.width - GAP),
  );
  const below = tray.y + tray.height / 2 < workArea.y + workArea.height / 2;
  const y = below ? tray.y + tray.height + GAP : tray.y - size.height - GAP;
  return { x, y: Math.round(Math.min(Math.max(y, workArea.y), bottom - size.height)) };
}
