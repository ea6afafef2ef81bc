// Rows `api-latency` (Docker API through the forwarded socket vs in the guest) and `port` (published port).
import { bashHttpLatency, guestDockerFloor, hostProbe } from '../lib/guest-probe.mjs';
import { ensureBusyboxImage } from '../lib/images.mjs';
import { freePort } from '../lib/net.mjs';
import { median, quantile, round, waitFor } from '../lib/proc.mjs';
import { entry } from '../lib/report.mjs';
import { startSshForward } from '../lib/ssh-forward.mjs';

const PATHS = ['/_ping', '/version'];
const p50p99 = (xs) => `${round(median(xs), 2)} / ${round(quantile(xs, 0.99), 2)}`;
const sum = (xs) => xs.reduce((a, b) => a + b, 0);

/**
 * `n` sequential GETs per path through run/docker.sock (Node http: keep-alive, and a new connection
 * each) against the same keep-alive calls made inside the guest on dockerd's own socket.
 */
export async function latencyRows(ctx, { n = 200 } = {}) {
  const { session, log } = ctx;
  log(`host: ${n} GETs per path and mode through run/docker.sock (Node http)`);
  const host = await hostProbe({ mode: 'latency', socketPath: session.dockerSocket, paths: PATHS, n });
  log(`host: ${n} GET /_ping per mode through an SSH stream-local forward (comparison)`);
  const fwd = await startSshForward(session, ctx.tmp);
  let viaSsh;
  try {
    viaSsh = (await hostProbe({ mode: 'latency', socketPath: fwd.socket, paths: ['/_ping'], n }))['/_ping'];
  } finally {
    await fwd.stop();
  }
  const guest = {};
  for (const p of PATHS) {
    log(`guest: ${n} GET ${p} pipelined on /var/run/docker.sock`);
    guest[p] = await guestDockerFloor(session, p, n);
  }
  const out = [];
  for (const p of PATHS) {
    const keep = host[p].keepAlive;
    const fresh = host[p].fresh;
    const g = guest[p].perRequestMs;
    out.push(
      entry({
        row: 'api-latency',
        metric: `GET ${p}, keep-alive: p50 / p99`,
        value: p50p99(keep),
        unit: 'ms',
        baselineName: "dockerd's own time, in the guest",
        baseline: round(g, 2),
        ratio: round(median(keep) - g, 2),
        ratioKind: 'delta',
        target: 'p50 overhead ≤ 1 ms',
        met: median(keep) - g <= 1,
        samples: { host: keep, guest: guest[p] },
      }),
      entry({
        row: 'api-latency',
        metric: `GET ${p}, new connection each: p50 / p99`,
        value: p50p99(fresh),
        unit: 'ms',
        baselineName: 'keep-alive through the forward',
        baseline: p50p99(keep),
        ratio: round(median(fresh) - median(keep), 2),
        ratioKind: 'delta',
        samples: { host: fresh },
        note:
          p === PATHS[0]
            ? "the difference is what opening a connection costs (an OPEN on the Docker port and the agent's connect to dockerd's socket); the docker CLI opens one per command."
            : null,
      }),
    );
  }
  const g = guest['/_ping'].perRequestMs;
  for (const [mode, xs, own] of [
    ['keep-alive', viaSsh.keepAlive, host['/_ping'].keepAlive],
    ['new connection each', viaSsh.fresh, host['/_ping'].fresh],
  ]) {
    out.push(
      entry({
        row: 'api-latency',
        metric: `GET /_ping over an SSH forward instead, ${mode}: p50 / p99`,
        value: p50p99(xs),
        unit: 'ms',
        baselineName: "Dlite's Docker port, same mode",
        baseline: p50p99(own),
        ratio: round(median(xs) - median(own), 2),
        ratioKind: 'delta',
        samples: { host: xs },
        note:
          mode === 'keep-alive'
            ? `the transport Dlite used before the Docker port (and still uses where a hypervisor has no port): ` +
              `ssh -L to /var/run/docker.sock, set up by the bench in the same run. Its overhead over dockerd's ` +
              `own time: +${round(median(xs) - g, 2)} ms at p50.`
            : null,
      }),
    );
  }
  out[0].note =
    `${n} sequential requests per line after a warm-up, Node http on run/docker.sock. Baseline: the same ` +
    `${n} requests pipelined on one connection inside the guest (socat on /var/run/docker.sock, its start-up ` +
    "subtracted): dockerd's time per request with no client work in between. A client running inside the " +
    'guest would itself run under TCG (Node: ~25 ms per /_ping, bash: ~40 ms), so the floor is the fair ' +
    'baseline; ratio = host p50 − floor = the Docker port transport (host mux, virtio-serial, the guest ' +
    'agent) plus the host client.';
  return out;
}

/** Requests per second to busybox httpd on a published port: 127.0.0.1 on the host vs inside the guest. */
export async function portRows(ctx, { n = 200 } = {}) {
  const { session, log } = ctx;
  const image = await ensureBusyboxImage(session, ctx.tmp);
  const port = await freePort();
  await session.docker(['rm', '-f', 'dlite-bench-web'], { check: false });
  await session.docker([
    ...['run', '-d', '--name', 'dlite-bench-web', '-p', `${port}:8080`, image],
    ...['httpd', '-f', '-p', '8080', '-h', '/www'],
  ]);
  try {
    await waitFor(
      'the published port',
      async () => ((await fetch(`http://127.0.0.1:${port}/index.html`)).ok ? true : undefined),
      { timeoutMs: 60_000 },
    );
    log(`host: ${n} GETs on 127.0.0.1:${port} (bash /dev/tcp), then 10 s of Node http`);
    const host = await bashHttpLatency(session, 'host', port, '/index.html', n);
    const node = await hostProbe({
      mode: 'rps',
      host: '127.0.0.1',
      port,
      path: '/index.html',
      durationMs: 10_000,
    });
    log(`guest: ${n} GETs on 127.0.0.1:${port} (bash /dev/tcp)`);
    const guest = await bashHttpLatency(session, 'guest', port, '/index.html', n);
    const rate = (xs) => xs.length / (sum(xs) / 1000);
    return [
      entry({
        row: 'port',
        metric: 'published port, busybox httpd, 1 client: requests/s',
        value: round(rate(host)),
        unit: 'req/s',
        baselineName: 'same client inside the guest',
        baseline: round(rate(guest)),
        ratio: round((rate(host) / rate(guest)) * 100),
        ratioKind: 'percent',
        samples: { host, guest, node: { ...node, latencies: undefined, p50: median(node.latencies) } },
        note:
          `a new connection per request (busybox httpd closes it), bash /dev/tcp on both sides; p50 ` +
          `${round(median(host), 2)} ms from the host (QEMU user-network forward → docker-proxy → container) ` +
          `vs ${round(median(guest), 2)} ms in the guest (docker-proxy → container). Node http from the host: ` +
          `${round(node.requests / node.seconds)} req/s, ${node.errors} errors.`,
      }),
    ];
  } finally {
    await session.docker(['rm', '-f', 'dlite-bench-web'], { check: false });
  }
}
