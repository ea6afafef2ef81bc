import { useState } from 'react';

import { dockerTcpWarning } from '../../../electron/shared/warnings.js';
import { asList } from '../lib/states.js';
import { CheckboxField, Field, describedBy, useSetting } from './Field.js';
import { MirrorEditor } from './MirrorEditor.js';

/** One item per line (pure). */
const lines = (text: string): string[] =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');

/** Registry mirrors, extra daemon flags, Docker on TCP (with its warning), the docker context. */
export function EnginePage() {
  const args = useSetting('docker_args');
  const tcp = useSetting('docker_tcp');
  const context = useSetting('use_docker_context');
  const [argsText, setArgsText] = useState(() => asList(args.value).join('\n'));
  return (
    <>
      <MirrorEditor />
      <Field
        id="setting-docker_args"
        label="Extra daemon flags"
        hint="One dockerd flag per line, e.g. --max-concurrent-downloads=6."
        error={args.error}
        restart={args.restart}
      >
        <textarea
          id="setting-docker_args"
          rows={2}
          value={argsText}
          spellCheck={false}
          aria-invalid={args.error ? true : undefined}
          aria-describedby={describedBy('setting-docker_args', true, args.error)}
          onChange={(e) => {
            setArgsText(e.target.value);
            args.set(lines(e.target.value));
          }}
        />
      </Field>
      <CheckboxField
        id="setting-docker_tcp"
        label="Expose Docker on TCP port 2375"
        checked={tcp.value === true}
        restart={tcp.restart}
        error={tcp.error}
        hint={
          <span className={tcp.value === true ? 'warning' : undefined}>
            {tcp.value === true ? 'Warning: ' : ''}
            {dockerTcpWarning()}.
          </span>
        }
        onChange={(on) => tcp.set(on)}
      />
      <CheckboxField
        id="setting-use_docker_context"
        label="Make “dlite” the current docker context"
        checked={context.value === true}
        error={context.error}
        onChange={(on) => context.set(on)}
      />
    </>
  );
}
