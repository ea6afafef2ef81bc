import { useAppStore } from '../store/app-store.js';
import { describedBy, useSetting } from './Field.js';
import { NumberField } from './NumberField.js';

/** CPU, memory and disk with the host's limits; the hypervisor with why each other one is unavailable. */
export function ResourcesPage() {
  const host = useAppStore((s) => s.host);
  const hv = useSetting('hypervisor');
  if (host === null) return <p className="secondary">Reading this machine’s limits…</p>;
  const machine = host.platform === 'darwin' ? 'This Mac' : 'This machine';
  const minDisk = Math.max(1, host.diskGiB ?? 1);
  return (
    <>
      <NumberField
        setting="cpu_count"
        label="CPUs"
        min={1}
        max={host.cpus}
        hint={`${machine} has ${host.cpus} cores.`}
      />
      <NumberField
        setting="memory"
        label="Memory"
        unit="GiB"
        min={1}
        max={host.maxMemoryGiB}
        hint={`Up to ${host.maxMemoryGiB} GiB: ${machine} has ${host.memoryGiB} GiB and keeps 1 GiB for itself.`}
      />
      <NumberField
        setting="disk_size"
        label="Disk size"
        unit="GiB"
        min={minDisk}
        max={Math.min(host.maxDiskGiB, Math.max(256, minDisk * 4))}
        hint={
          host.diskGiB === null
            ? 'The disk is created at the first start and only takes the space it uses.'
            : `The disk is ${host.diskGiB} GiB now; it can grow but not shrink.`
        }
      />
      <fieldset className="field" aria-describedby={describedBy('hypervisor', true, hv.error)}>
        <legend className="field-label">
          Hypervisor
          {hv.restart && <span className="badge badge-restart">restart</span>}
        </legend>
        <label className="radio">
          <input
            type="radio"
            name="hypervisor"
            value="auto"
            checked={hv.value === 'auto'}
            onChange={() => hv.set('auto')}
          />
          Automatic <span className="secondary">({host.autoHypervisor} here)</span>
        </label>
        {host.hypervisors.map((h) => (
          <label key={h.name} className={`radio${h.available ? '' : ' unavailable'}`}>
            <input
              type="radio"
              name="hypervisor"
              value={h.name}
              disabled={!h.available && hv.value !== h.name}
              checked={hv.value === h.name}
              onChange={() => hv.set(h.name)}
            />
            {h.name === 'qemu' ? 'QEMU' : h.name}
            {h.reason && <span className="secondary"> — {h.reason}</span>}
          </label>
        ))}
        <p id="hypervisor-hint" className="hint">
          Automatic picks the best one installed.
        </p>
        {hv.error && (
          <p id="hypervisor-error" className="field-error">
            {hv.error}
          </p>
        )}
      </fieldset>
    </>
  );
}
