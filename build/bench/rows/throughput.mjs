// Row `throughput`: docker load / docker build through the forwarded socket vs the same bytes over SSH.
import {
  BB_IMAGE,
  LOAD_IMAGE,
  MiB,
  ensureBusyboxImage,
  makeBuildContext,
  makeLoadTarball,
} from '../lib/images.mjs';
import { round } from '../lib/proc.mjs';
import { entry } from '../lib/report.mjs';

const mbps = (bytes, ms) => bytes / MiB / (ms / 1000);

/**
 * `docker load` of a tarball already in the guest, straight on dockerd's socket (no transport): ms,
 * or throws when dockerd did not answer 200.
 */
async function guestLoadMs(session, file) {
  const inGuest = '/tmp/dlite-bench-load.tar';
  await session.guest(`cat > ${inGuest}`, { input: { file }, timeoutMs: 600_000 });
  // shut-none: a half-closed request would look like a client that left (dockerd cancels).
  const script = `
n=$(stat -c %s ${inGuest})
t0=$EPOCHREALTIME
{ printf 'POST /images/load?quiet=1 HTTP/1.0\r\nHost: d\r\nContent-Type: application/x-tar\r\nContent-Length: %s\r\n\r\n' "$n"; cat ${inGuest}; } |
  socat -t 600 - UNIX-CONNECT:/var/run/docker.sock,shut-none > /tmp/dlite-bench-load.out
t1=$EPOCHREALTIME
rm -f ${inGuest}
head -n 1 /tmp/dlite-bench-load.out | grep -q ' 200 ' || { head -c 300 /tmp/dlite-bench-load.out >&2; exit 3; }
echo $(( 10#\${t1/./} - 10#\${t0/./} ))`;
  const r = await session.dlite(['ssh', '--', 'bash', '-c', script], { timeoutMs: 900_000 });
  return Number(r.stdout.trim()) / 1000;
}

/** The same bytes into the guest over plain SSH, discarded: `dlite ssh -- sh -c 'cat > /dev/null'`. */
async function sshCopy(session, file) {
  return (await session.guest('cat > /dev/null', { input: { file }, timeoutMs: 600_000 })).ms;
}

export async function throughputRows(ctx, { loadMiB = 200, contextMiB = 100 } = {}) {
  const { session, log } = ctx;
  await ensureBusyboxImage(session, ctx.tmp);
  log(`making a ${loadMiB} MiB image tarball and a ${contextMiB} MiB build context`);
  const load = await makeLoadTarball(ctx.tmp, loadMiB);
  const context = await makeBuildContext(ctx.tmp, contextMiB);
  const out = [];

  log('docker load');
  await session.docker(['rmi', '-f', LOAD_IMAGE], { check: false });
  const loadMs = (await session.docker(['load', '-q', '-i', load.file], { timeoutMs: 600_000 })).ms;
  log('ssh cat > /dev/null (image tarball)');
  const sshLoadMs = await sshCopy(session, load.file);
  log('docker load from inside the guest (no transport)');
  await session.docker(['rmi', '-f', LOAD_IMAGE], { check: false });
  const inGuestMs = await guestLoadMs(session, load.file);
  log('docker exec -i cat > /dev/null (image tarball)');
  await session.docker(['rm', '-f', 'dlite-bench-sink'], { check: false });
  await session.docker(['run', '-d', '--name', 'dlite-bench-sink', BB_IMAGE, 'sleep', '3600']);
  const execMs = (
    await session.docker(['exec', '-i', 'dlite-bench-sink', 'sh', '-c', 'cat > /dev/null'], {
      input: { file: load.file },
      timeoutMs: 600_000,
    })
  ).ms;
  await session.docker(['rm', '-f', 'dlite-bench-sink'], { check: false });
  const sshLoad = mbps(load.bytes, sshLoadMs);
  const loadRate = mbps(load.bytes, loadMs);
  const execRate = mbps(load.bytes, execMs);
  out.push(
    entry({
      row: 'throughput',
      metric: `docker load of a ${round(load.bytes / MiB)} MiB image`,
      value: round(loadRate, 1),
      unit: 'MiB/s',
      baselineName: 'same bytes over ssh to /dev/null',
      baseline: round(sshLoad, 1),
      ratio: round((loadRate / sshLoad) * 100),
      ratioKind: 'percent',
      target: '≥ 80 %',
      met: loadRate / sshLoad >= 0.8,
      samples: { bytes: load.bytes, loadMs, sshMs: sshLoadMs },
      note: `wall ${round(loadMs / 1000, 1)} s vs ${round(sshLoadMs / 1000, 1)} s; includes dockerd hashing and unpacking the layer in the guest.`,
    }),
    entry({
      row: 'throughput',
      metric: `docker load of the same image from inside the guest (no transport)`,
      value: round(mbps(load.bytes, inGuestMs), 1),
      unit: 'MiB/s',
      baselineName: 'same bytes over ssh to /dev/null',
      baseline: round(sshLoad, 1),
      ratio: round((mbps(load.bytes, inGuestMs) / sshLoad) * 100),
      ratioKind: 'percent',
      samples: { bytes: load.bytes, inGuestMs },
      note:
        `the tarball copied into the guest's tmpfs first, then POSTed to /images/load on dockerd's own socket ` +
        `(bash + socat in the guest, themselves emulated): dockerd's work with no transport at all. Through ` +
        `run/docker.sock the same load ran at ${round((loadRate / mbps(load.bytes, inGuestMs)) * 100)} % of this ` +
        `speed, so what is left between docker load and the SSH copy is dockerd's own work in the guest.`,
    }),
    entry({
      row: 'throughput',
      metric: `docker exec -i … cat > /dev/null, ${round(load.bytes / MiB)} MiB (pure stream)`,
      value: round(execRate, 1),
      unit: 'MiB/s',
      baselineName: 'same bytes over ssh to /dev/null',
      baseline: round(sshLoad, 1),
      ratio: round((execRate / sshLoad) * 100),
      ratioKind: 'percent',
      samples: { bytes: load.bytes, execMs },
      note: 'the forwarded socket carrying a hijacked stream with no work at the far end: the transport alone.',
    }),
  );

  log('docker build');
  const buildMs = (
    await session.docker(['build', '-q', '--no-cache', '-t', 'dlite-bench/ctx:1', context.dir], {
      env: { ...session.env, DOCKER_BUILDKIT: '0' },
      timeoutMs: 600_000,
    })
  ).ms;
  log('ssh cat > /dev/null (context tar)');
  const sshCtxMs = await sshCopy(session, context.tar);
  const buildRate = mbps(context.bytes, buildMs);
  const sshCtx = mbps(context.bytes, sshCtxMs);
  out.push(
    entry({
      row: 'throughput',
      metric: `docker build, ${round(context.bytes / MiB)} MiB context (classic builder)`,
      value: round(buildRate, 1),
      unit: 'MiB/s',
      baselineName: 'same bytes over ssh to /dev/null',
      baseline: round(sshCtx, 1),
      ratio: round((buildRate / sshCtx) * 100),
      ratioKind: 'percent',
      target: '≥ 80 %',
      met: buildRate / sshCtx >= 0.8,
      samples: { bytes: context.bytes, buildMs, sshMs: sshCtxMs },
      note: `wall ${round(buildMs / 1000, 1)} s vs ${round(sshCtxMs / 1000, 1)} s; includes dockerd unpacking the context and committing one LABEL step.`,
    }),
  );
  await session.docker(['rmi', '-f', LOAD_IMAGE, 'dlite-bench/ctx:1'], { check: false });
  return out;
}
