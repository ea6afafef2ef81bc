import { useApi } from '../api/api-context.js';
import { retryService } from '../store/actions.js';
import { useAppStore } from '../store/app-store.js';

/** While the app cannot reach the Dlite service: what it is doing, or why it failed and Try Again. */
export function ServicePanel() {
  const api = useApi();
  const service = useAppStore((s) => s.service);
  if (service.phase === 'failed') {
    return (
      <section
        className="error-panel"
        role="alert"
        aria-labelledby="service-title"
        data-testid="service-panel"
      >
        <h2 id="service-title">The Dlite service could not start</h2>
        <p data-testid="service-message">{service.message}</p>
        <div className="button-row">
          <button type="button" className="primary" onClick={() => void retryService(api)}>
            Try Again
          </button>
        </div>
      </section>
    );
  }
  return (
    <section className="service" data-testid="service-panel" aria-live="polite">
      <p>Starting Dlite service…</p>
      <progress aria-label="Starting Dlite service" />
    </section>
  );
}
