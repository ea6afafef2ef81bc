import type { ContainerSummary } from '../docker-api/docker-api.js';

/** Host port → guest port. With user-mode networking both are the container's published port. */
export type PortMap = ReadonlyMap<number, number>;

/** Host addresses whose publications Dlite makes reachable on the Mac's 127.0.0.1. */
const FORWARDED_IPS = new Set(['', '0.0.0.0', '::', '127.0.0.1']);

/**
 * The TCP ports running containers publish (`-p H:C`), keyed by the published port H. dockerd
 * listens on H in the guest, so the host forward is 127.0.0.1:H → guest:H. UDP is skipped (user-mode
 * forwarding of UDP is not offered), as are ports bound to other specific addresses.
 */
export function wantedPorts(containers: readonly ContainerSummary[]): Map<number, number> {
  const wanted = new Map<number, number>();
  for (const c of containers) {
    for (const p of c.Ports ?? []) {
      if (p.Type !== 'tcp' || p.PublicPort === undefined || p.PublicPort <= 0) continue;
      if (!FORWARDED_IPS.has(p.IP ?? '')) continue;
      wanted.set(p.PublicPort, p.PublicPort);
    }
  }
  return wanted;
}

export interface PortPlan {
  /** Forwards to remove first (host ports). */
  readonly remove: readonly number[];
  readonly add: readonly { readonly hostPort: number; readonly guestPort: number }[];
}

/** What to change so `current` becomes `wanted`: a changed guest port is a remove plus an add. Sorted. */
export function planPorts(wanted: PortMap, current: PortMap): PortPlan {
  const remove = [...current]
    .filter(([host, guest]) => wanted.get(host) !== guest)
    .map(([host]) => host)
    .sort((a, b) => a - b);
  const add = [...wanted]
    .filter(([host, guest]) => current.get(host) !== guest)
    .map(([hostPort, guestPort]) => ({ hostPort, guestPort }))
    .sort((a, b) => a.hostPort - b.hostPort);
  return { remove, add };
}
