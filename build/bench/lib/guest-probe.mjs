// HTTP probes: lib/http-probe.mjs (Node) on the host, and one bash client run unchanged on the host and
// in the guest. Bash builtins (printf, read, /dev/tcp, $EPOCHREALTIME) start no process per request,
// which matters under TCG where starting any program costs ~100 ms.
import path from 'node:path';

import { run } from './proc.mjs';

const PROBE = path.join(import.meta.dirname, 'http-probe.mjs');

/** The Node probe on the host, as a separate process; resolves its JSON. */
export async function hostProbe(spec, timeoutMs = 300_000) {
  const r = await run(process.execPath, [PROBE, JSON.stringify(spec)], { timeoutMs });
  return JSON.parse(r.stdout);
}

const shq = (s) => `'${String(s).replaceAll("'", "'\\''")}'`;

/**
 * Inside the guest, on dockerd's own socket: `n` GETs pipelined on one socat connection, so no client
 * work sits between requests. Prints the µs of an empty socat session (its start-up, subtracted), the
 * µs of the pipelined one and the number of 200 answers. socat keeps its side of the connection
 * open after the last request (shut-none): a half-close makes dockerd cancel the requests still
 * queued ("context canceled", a 500 for each /version not yet answered). It stops once dockerd
 * closes the connection after the last request (Connection: close); its -t only caps the wait.
 */
function pipelinedScript(urlPath, n) {
  return `
cd "$(mktemp -d)"
for ((i = 1; i < ${n}; i++)); do printf 'GET %s HTTP/1.1\\r\\nHost: docker\\r\\n\\r\\n' ${shq(urlPath)}; done > reqs
printf 'GET %s HTTP/1.1\\r\\nHost: docker\\r\\nConnection: close\\r\\n\\r\\n' ${shq(urlPath)} >> reqs
socat -t 120 - UNIX-CONNECT:/var/run/docker.sock,shut-none < reqs > /dev/null
t0=$EPOCHREALTIME
socat -t 5 - UNIX-CONNECT:/var/run/docker.sock < /dev/null > /dev/null
t1=$EPOCHREALTIME
echo $(( 10#\${t1/./} - 10#\${t0/./} ))
t0=$EPOCHREALTIME
socat -t 120 - UNIX-CONNECT:/var/run/docker.sock,shut-none < reqs > out
t1=$EPOCHREALTIME
echo $(( 10#\${t1/./} - 10#\${t0/./} ))
grep -o 'HTTP/1.1 200' out | wc -l
`;
}

/** `n` GETs on 127.0.0.1:`port`, a new connection each (bash /dev/tcp); one duration (µs) per line. */
function tcpFreshScript(port, urlPath, n, warmup = 5) {
  return `
get() {
  exec 3<>/dev/tcp/127.0.0.1/${Number(port)} || exit 3
  printf 'GET %s HTTP/1.0\\r\\n\\r\\n' ${shq(urlPath)} >&3
  local line status=
  while IFS= read -r -t 30 -u 3 line; do [ -z "$status" ] && status=$line; done
  exec 3<&-
  case $status in *" 200 "*) ;; *) echo "bad answer: $status" >&2; exit 3 ;; esac
}
for ((i = 0; i < ${warmup}; i++)); do get; done
for ((i = 0; i < ${n}; i++)); do
  t0=$EPOCHREALTIME; get; t1=$EPOCHREALTIME
  echo $(( 10#\${t1/./} - 10#\${t0/./} ))
done
`;
}

const samplesMs = (stdout) =>
  stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => Number(l) / 1000);

async function runBash(session, where, script) {
  const r =
    where === 'guest'
      ? await session.dlite(['ssh', '--', 'bash', '-c', script], { timeoutMs: 600_000 })
      : await run('bash', ['-c', script], { timeoutMs: 600_000 });
  return samplesMs(r.stdout);
}

/**
 * dockerd's own time per request (ms, mean of `n` pipelined GETs on one connection) inside the guest:
 * the floor any client reaches, since a client running in the guest would itself run under TCG.
 */
export async function guestDockerFloor(session, urlPath, n) {
  const r = await session.dlite(['ssh', '--', 'bash', '-c', pipelinedScript(urlPath, n)], {
    timeoutMs: 600_000,
  });
  const [emptyUs, totalUs, ok] = r.stdout.trim().split('\n').map(Number);
  if (ok !== n) throw new Error(`guest: ${ok} of ${n} pipelined GET ${urlPath} answered 200`);
  return { perRequestMs: Math.max(0, totalUs - emptyUs) / 1000 / n, socatStartMs: emptyUs / 1000 };
}

/** Latencies (ms) of `n` GETs on 127.0.0.1:`port`, a new connection each, on the host or in the guest. */
export function bashHttpLatency(session, where, port, urlPath, n) {
  return runBash(session, where, tcpFreshScript(port, urlPath, n));
}
