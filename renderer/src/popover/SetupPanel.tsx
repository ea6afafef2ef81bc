import { useApi } from '../api/api-context.js';
import { setUp } from '../store/actions.js';
import { useAppStore } from '../store/app-store.js';
import { ProgressBar } from './ProgressBar.js';

/** With no Dlite home yet: a short welcome and one Set Up button, then each install step. */
export function SetupPanel() {
  const api = useApi();
  const pending = useAppStore((s) => s.pending);
  const progress = useAppStore((s) => s.progress);
  const home = useAppStore((s) => s.host?.home);
  const installing = pending === 'setup';
  return (
    <section className="setup" aria-labelledby="setup-title" data-testid="setup-panel">
      <h2 id="setup-title">Welcome to Dlite</h2>
      <p>
        Docker runs in a small Linux VM. Setting up writes its settings, an SSH key and a disk that grows as
        needed
        {home ? ` in ${home}` : ''}, and installs the DhyveOS image.
      </p>
      {installing && progress?.operation === 'install' ? (
        <ProgressBar label={progress.description} current={progress.current} max={progress.max} />
      ) : (
        <button
          type="button"
          className="primary large"
          disabled={installing}
          onClick={() => void setUp(api)}
          data-testid="setup"
        >
          {installing ? 'Setting Up…' : 'Set Up Dlite'}
        </button>
      )}
    </section>
  );
}
