import type { ServiceStatus } from '../../../electron/shared/app-types.js';
import type { VmStatus } from '../../../electron/shared/types.js';

/** How a state looks: its word and its colour family (`tone`). Never colour alone. */
export interface StateLook {
  readonly label: string;
  readonly tone: 'running' | 'busy' | 'stopped' | 'error' | 'sleeping';
}

/**
 * Looks of the states the UI may meet, including ones the contract does not list yet
 * (`sleeping`): an unknown state still shows its own name.
 */
export function stateLook(state: string): StateLook {
  switch (state) {
    case 'running':
      return { label: 'Running', tone: 'running' };
    case 'starting':
      return { label: 'Starting…', tone: 'busy' };
    case 'stopping':
      return { label: 'Stopping…', tone: 'busy' };
    case 'error':
      return { label: 'Error', tone: 'error' };
    case 'sleeping':
      return { label: 'Sleeping (wakes on use)', tone: 'sleeping' };
    case 'stopped':
      return { label: 'Stopped', tone: 'stopped' };
    default:
      return { label: state.charAt(0).toUpperCase() + state.slice(1), tone: 'stopped' };
  }
}

/** The state shown in the popover's header: the VM's, or the service's while it is not ready. */
export function headerLook(status: VmStatus | null, service: ServiceStatus): StateLook & { state: string } {
  if (service.phase === 'failed') {
    return { state: 'service-failed', label: 'Service not running', tone: 'error' };
  }
  if (status === null || service.phase === 'connecting') {
    return { state: 'connecting', label: 'Starting Dlite service…', tone: 'busy' };
  }
  return { state: status.state, ...stateLook(status.state) };
}

/** What each start/stop step does, for "… failed" titles. */
const STEP_TITLES: Record<string, string> = {
  validate: 'Checking the settings',
  prepare: 'Preparing the disk and OS image',
  boot: 'Booting the VM',
  'wait-ssh': 'Connecting to the VM over SSH',
  'forward-docker': 'Forwarding the Docker socket',
  'wait-docker': 'Waiting for Docker',
  configure: 'Configuring Docker',
  stop: 'Stopping the VM',
  install: 'Setting up Dlite',
};

/** The error panel's title for a failed step, e.g. "Booting the VM failed". */
export function failureTitle(step: string): string {
  if (step === 'running') return 'The VM stopped unexpectedly';
  return `${STEP_TITLES[step] ?? `Step ${step}`} failed`;
}

/** True while the VM is up, coming up, asleep (wakes on use) or failed with a VM to clean up. */
export function vmActive(state: string | null | undefined): boolean {
  return state === 'running' || state === 'starting' || state === 'sleeping';
}

/** A list setting's draft as a list (a draft never holds text for a list, but the type allows it). */
export function asList(value: readonly string[] | string | undefined): readonly string[] {
  return typeof value === 'object' ? value : [];
}
