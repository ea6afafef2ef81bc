import { useState } from 'react';

import type { FailureDetails } from '../../../electron/shared/types.js';
import { useApi } from '../api/api-context.js';
import { failureTitle } from '../lib/states.js';
import { copyDiagnostics, vmAction } from '../store/actions.js';

/** What failed, the message, the last console lines (disclosure), Copy diagnostics and Start again. */
export function ErrorPanel({ failure }: { failure: FailureDetails }) {
  const api = useApi();
  const [copied, setCopied] = useState<boolean | null>(null);
  return (
    <section className="error-panel" role="alert" aria-labelledby="error-title" data-testid="error-panel">
      <h2 id="error-title" data-testid="error-title">
        {failureTitle(failure.step)}
      </h2>
      <p data-testid="error-message">{failure.message}</p>
      {failure.lastCommand && (
        <p className="secondary">
          Last command: <code>{failure.lastCommand}</code>
        </p>
      )}
      <details>
        <summary>Console output ({failure.lastConsoleLines.length} lines)</summary>
        <pre data-testid="error-console" tabIndex={0}>
          {failure.lastConsoleLines.length > 0
            ? failure.lastConsoleLines.join('\n')
            : 'The guest printed nothing.'}
        </pre>
      </details>
      <div className="button-row">
        <button
          type="button"
          data-testid="copy-diagnostics"
          onClick={() => void copyDiagnostics(api).then(setCopied)}
        >
          {copied === true ? 'Copied' : 'Copy Diagnostics'}
        </button>
        <button type="button" className="primary" onClick={() => void vmAction(api, 'start')}>
          Start Again
        </button>
      </div>
      <span className="visually-hidden" aria-live="polite">
        {copied === false ? 'Could not copy' : ''}
      </span>
    </section>
  );
}
