import { useState } from 'react';

import { DownIcon, UpIcon } from '../Icons.js';
import { mirrors } from '../lib/mirrors.js';
import { itemErrors } from '../lib/settings-form.js';
import { asList } from '../lib/states.js';
import { useSetting } from './Field.js';

/**
 * Registry mirrors: add (+), edit in place, remove (−), reorder by dragging a row or with the
 * arrow buttons. Each row shows the core's verdict on it as you type.
 */
export function MirrorEditor() {
  const f = useSetting('registry_mirrors');
  const list = asList(f.value);
  const rowErrors = itemErrors(f.errors, 'registry_mirrors');
  const [adding, setAdding] = useState('');
  const [dragged, setDragged] = useState<number | null>(null);
  const add = () => {
    if (adding.trim() === '') return;
    f.set(mirrors.add(list, adding));
    setAdding('');
  };
  return (
    <fieldset className="mirror-editor" aria-describedby="mirrors-hint">
      <legend className="field-label">
        Registry mirrors
        {f.restart && <span className="badge badge-restart">restart</span>}
        {f.live && <span className="badge badge-live">applies live</span>}
        {f.appliedLive && (
          <span className="badge badge-applied" data-testid="mirrors-applied">
            applied
          </span>
        )}
      </legend>
      <p id="mirrors-hint" className="hint">
        Docker tries them in order before Docker Hub. Changes apply to the running engine without a restart.
      </p>
      {list.length === 0 ? (
        <p className="empty secondary">No mirrors: images come straight from Docker Hub.</p>
      ) : (
        <ol className="mirror-list">
          {list.map((url, i) => {
            const error = rowErrors.get(i);
            const id = `mirror-${i}`;
            return (
              <li
                key={i}
                className={`mirror-row${error ? ' invalid' : ''}${dragged === i ? ' dragging' : ''}`}
                draggable
                onDragStart={(e) => {
                  setDragged(i);
                  e.dataTransfer.effectAllowed = 'move';
                }}
                onDragOver={(e) => e.preventDefault()}
                onDrop={() => {
                  if (dragged !== null) f.set(mirrors.move(list, dragged, i));
                  setDragged(null);
                }}
                onDragEnd={() => setDragged(null)}
              >
                <span className="drag-handle" aria-hidden="true">
                  ⋮⋮
                </span>
                <input
                  id={id}
                  type="url"
                  value={url}
                  aria-label={`Mirror ${i + 1}`}
                  aria-invalid={error ? true : undefined}
                  aria-describedby={error ? `${id}-error` : undefined}
                  data-testid={id}
                  onChange={(e) => f.set(mirrors.edit(list, i, e.target.value))}
                />
                <button
                  type="button"
                  className="icon-button"
                  aria-label={`Move mirror ${i + 1} up`}
                  disabled={i === 0}
                  onClick={() => f.set(mirrors.move(list, i, i - 1))}
                >
                  <UpIcon />
                </button>
                <button
                  type="button"
                  className="icon-button"
                  aria-label={`Move mirror ${i + 1} down`}
                  disabled={i === list.length - 1}
                  onClick={() => f.set(mirrors.move(list, i, i + 1))}
                >
                  <DownIcon />
                </button>
                <button
                  type="button"
                  className="icon-button"
                  aria-label={`Remove mirror ${i + 1}`}
                  onClick={() => f.set(mirrors.remove(list, i))}
                >
                  −
                </button>
                {error && (
                  <p id={`${id}-error`} className="field-error" data-testid={`${id}-error`}>
                    {error}
                  </p>
                )}
              </li>
            );
          })}
        </ol>
      )}
      {f.error && <p className="field-error">{f.error}</p>}
      <div className="mirror-add">
        <input
          type="url"
          value={adding}
          placeholder="https://mirror.example.com"
          aria-label="New mirror URL"
          data-testid="mirror-new"
          onChange={(e) => setAdding(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              add();
            }
          }}
        />
        <button
          type="button"
          aria-label="Add mirror"
          data-testid="mirror-add"
          disabled={adding.trim() === ''}
          onClick={add}
        >
          +
        </button>
      </div>
    </fieldset>
  );
}
