import type { TransferDto } from './types.js';

/** `512 B`, `3.4 KiB`, `61.6 MiB`, `1.2 GiB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** `42 s`, `3 min 05 s`, `1 h 02 min`; `—` when unknown. */
export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** Whole percent done, 0–100. */
export function transferPercent(t: TransferDto): number {
  return t.totalBytes > 0 ? Math.min(100, Math.floor((t.bytes / t.totalBytes) * 100)) : 100;
}

/** One line: `12.0 MiB of 70.6 MiB (17%), 4.1 MiB/s, 14 s left`. */
export function formatTransfer(t: TransferDto): string {
  const rate = t.bytesPerSecond > 0 ? `${formatBytes(t.bytesPerSecond)}/s` : '— /s';
  return `${formatBytes(t.bytes)} of ${formatBytes(t.totalBytes)} (${transferPercent(t)}%), ${rate}, ${formatEta(t.etaSeconds)} left`;
}
