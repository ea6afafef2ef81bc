import { describe, expect, it } from 'vitest';

import type { ContainerSummary } from '../../../electron/core/docker-api/docker-api.js';
import { planPorts, wantedPorts } from '../../../electron/core/published-ports/port-reconcile.js';

const container = (ports: ContainerSummary['Ports']): ContainerSummary => ({ Id: 'x', Ports: ports });

describe('wantedPorts', () => {
  it.each<[string, ContainerSummary[], [number, number][]]>([
    ['no containers', [], []],
    ['exposed but not published', [container([{ PrivatePort: 80, Type: 'tcp' }])], []],
    [
      'published on all IPv4 addresses',
      [container([{ IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' }])],
      [[8080, 8080]],
    ],
    [
      'the same port on IPv4 and IPv6 is one forward',
      [
        container([
          { IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
          { IP: '::', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
        ]),
      ],
      [[8080, 8080]],
    ],
    [
      'published on 127.0.0.1',
      [container([{ IP: '127.0.0.1', PrivatePort: 5432, PublicPort: 15432, Type: 'tcp' }])],
      [[15432, 15432]],
    ],
    ['udp is skipped', [container([{ IP: '0.0.0.0', PrivatePort: 53, PublicPort: 5353, Type: 'udp' }])], []],
    [
      'another specific address is skipped',
      [container([{ IP: '10.0.2.15', PrivatePort: 80, PublicPort: 8081, Type: 'tcp' }])],
      [],
    ],
    [
      'several containers',
      [
        container([{ IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' }]),
        container(undefined),
        container([{ IP: '0.0.0.0', PrivatePort: 443, PublicPort: 8443, Type: 'tcp' }]),
      ],
      [
        [8080, 8080],
        [8443, 8443],
      ],
    ],
  ])('%s', (_name, containers, expected) => {
    expect([...wantedPorts(containers)].sort((a, b) => a[0] - b[0])).toEqual(expected);
  });
});

describe('planPorts', () => {
  const m = (...pairs: [number, number][]): Map<number, number> => new Map(pairs);
  it.each<
    [string, Map<number, number>, Map<number, number>, number[], { hostPort: number; guestPort: number }[]]
  >([
    ['nothing to do', m(), m(), [], []],
    ['in sync', m([8080, 8080]), m([8080, 8080]), [], []],
    [
      'a container started',
      m([8080, 8080], [9000, 9000]),
      m([8080, 8080]),
      [],
      [{ hostPort: 9000, guestPort: 9000 }],
    ],
    ['a container went away', m(), m([8080, 8080]), [8080], []],
    ['a guest port changed', m([8080, 8081]), m([8080, 8080]), [8080], [{ hostPort: 8080, guestPort: 8081 }]],
    [
      'mixed, sorted',
      m([3000, 3000], [1000, 1000]),
      m([9000, 9000], [2000, 2000]),
      [2000, 9000],
      [
        { hostPort: 1000, guestPort: 1000 },
        { hostPort: 3000, guestPort: 3000 },
      ],
    ],
  ])('%s', (_name, wanted, current, remove, add) => {
    expect(planPorts(wanted, current)).toEqual({ remove, add });
  });
});
