/** A determinate progress bar with its words: "Waiting for SSH", step k of n. */
export function ProgressBar({ label, current, max }: { label: string; current: number; max: number }) {
  return (
    <div className="progress">
      <div className="progress-label">
        <span data-testid="vm-step">{label}</span>
        <span className="secondary tabular" data-testid="vm-progress">
          Step {current} of {max}
        </span>
      </div>
      <progress max={max} value={current} aria-label={`${label}: step ${current} of ${max}`} />
    </div>
  );
}
