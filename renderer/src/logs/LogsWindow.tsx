import { useEffect, useLayoutEffect, useRef } from 'react';

import type { LogSource } from '../../../electron/shared/types.js';
import { useApi } from '../api/api-context.js';
import { useAppStore } from '../store/app-store.js';

/** How often the console log is read again while following (it is not pushed), ms. */
const CONSOLE_POLL_MS = 2000;
const INITIAL_LINES = 500;

/** The Dlite and console logs, following new lines, with a filter box. */
export function LogsWindow() {
  const api = useApi();
  const source = useAppStore((s) => s.logSource);
  const filter = useAppStore((s) => s.logFilter);
  const follow = useAppStore((s) => s.follow);
  const lines = useAppStore((s) => s.logLines);
  const { setLogSource, setLogFilter, setFollow, setLogLines } = useAppStore.getState();
  const list = useRef<HTMLDivElement>(null);

  useEffect(() => {
    let stopped = false;
    const read = async () => {
      const r = await api.logs({ source, lines: INITIAL_LINES });
      if (!stopped && r.ok) setLogLines(r.value);
    };
    void read();
    const poll = source === 'console' && follow ? setInterval(() => void read(), CONSOLE_POLL_MS) : null;
    return () => {
      stopped = true;
      if (poll) clearInterval(poll);
    };
  }, [api, source, follow, setLogLines]);

  useLayoutEffect(() => {
    if (follow && list.current) list.current.scrollTop = list.current.scrollHeight;
  }, [lines, follow, filter]);

  const needle = filter.trim().toLowerCase();
  const shown = needle === '' ? lines : lines.filter((l) => l.text.toLowerCase().includes(needle));
  return (
    <div className="logs">
      <div className="logs-toolbar" role="toolbar" aria-label="Log options">
        <label>
          Log{' '}
          <select
            value={source}
            onChange={(e) => setLogSource(e.target.value as LogSource)}
            data-testid="log-source"
          >
            <option value="dlite">Dlite</option>
            <option value="console">VM console</option>
          </select>
        </label>
        <label className="grow">
          <span className="visually-hidden">Filter</span>
          <input
            type="search"
            placeholder="Filter"
            aria-label="Filter"
            value={filter}
            data-testid="log-filter"
            onChange={(e) => setLogFilter(e.target.value)}
          />
        </label>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={follow}
            onChange={(e) => setFollow(e.target.checked)}
            data-testid="log-follow"
          />
          Follow
        </label>
      </div>
      <div
        className="log-lines"
        ref={list}
        role="log"
        aria-label={`${source === 'dlite' ? 'Dlite' : 'VM console'} log`}
        tabIndex={0}
        data-testid="log-lines"
      >
        {shown.map((l, i) => (
          <div key={i} className="log-line">
            {l.time && <span className="log-time">{l.time.slice(11, 19)}</span>}
            <span className="log-text">{l.text}</span>
          </div>
        ))}
        {shown.length === 0 && (
          <p className="secondary">
            {lines.length === 0 ? 'Nothing logged yet.' : 'No line matches the filter.'}
          </p>
        )}
      </div>
      <p className="logs-status secondary tabular" aria-live="polite">
        {needle === '' ? `${lines.length} lines` : `${shown.length} of ${lines.length} lines match`}
      </p>
    </div>
  );
}
