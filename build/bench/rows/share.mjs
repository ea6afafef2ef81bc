// Row `share`: the shared folder (virtiofs, or 9p without virtiofsd) vs the guest's own disk, timed
// inside one container.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { ensureBusyboxImage } from '../lib/images.mjs';
import { round, run } from '../lib/proc.mjs';
import { entry } from '../lib/report.mjs';

const FILES = 10_000;
const PER_DIR = 100;
const BIG_MIB = 200;
const VOLUME = 'dlite-bench-vol';

// Runs in the container (busybox sh). Times come from /proc/uptime (10 ms resolution), caches are
// dropped before each timed step so reads hit the device or the host.
const SCRIPT = `
set -e
ms() { read u _ < /proc/uptime; echo $(( \${u%.*}\${u#*.} * 10 )); }
drop() { sync; echo 3 > /proc/sys/vm/drop_caches; }
bench() {
  d=$2
  drop; t=$(ms); dd if=/dev/zero of=$d/big bs=1M count=${BIG_MIB} conv=fsync 2>/dev/null; echo "$1 write $(( $(ms) - t ))"
  drop; t=$(ms); dd if=$d/big of=/dev/null bs=1M 2>/dev/null; echo "$1 read $(( $(ms) - t ))"
  rm -f $d/big
  drop; t=$(ms); n=$(find $d/files -type f | xargs stat -c %s | wc -l); echo "$1 stat $(( $(ms) - t )) $n"
}
mkdir -p /v/files && tar -xf /s/files.tar -C /v/files
bench share /s/bench
bench disk /v
`;

/** 10,000 small files in 100 folders under `root`, and the same tree as a tar next to it. */
async function smallFiles(root, tar) {
  for (let d = 0; d < FILES / PER_DIR; d++) {
    const dir = path.join(root, `d${String(d).padStart(3, '0')}`);
    await mkdir(dir, { recursive: true });
    for (let f = 0; f < PER_DIR; f++) {
      await writeFile(path.join(dir, `f${String(f).padStart(3, '0')}.txt`), `file ${d}/${f}\n`.repeat(8));
    }
  }
  await run('tar', ['-C', root, '-cf', tar, '.']);
}

export async function shareRows(ctx) {
  const { session, log } = ctx;
  const image = await ensureBusyboxImage(session, ctx.tmp);
  const base = path.join(session.share, 'bench');
  log(`creating ${FILES} small files on the share (host side)`);
  await smallFiles(path.join(base, 'files'), path.join(session.share, 'files.tar'));
  await session.docker(['volume', 'rm', '-f', VOLUME], { check: false });
  const type =
    (await session.guest("grep -o ' virtiofs \\| 9p ' /proc/mounts | head -n1")).stdout.trim() || '?';
  log(`timing in a container: share (${type}) vs a docker volume`);
  let stdout;
  try {
    stdout = (
      await session.docker(
        [
          ...['run', '--rm', '--privileged', '-v', `${session.share}:/s`, '-v', `${VOLUME}:/v`],
          ...[image, 'sh', '-c', SCRIPT],
        ],
        { timeoutMs: 600_000 },
      )
    ).stdout;
  } finally {
    await session.docker(['volume', 'rm', '-f', VOLUME], { check: false });
    await run('rm', ['-rf', base, path.join(session.share, 'files.tar')]);
  }
  const t = {};
  for (const line of stdout.trim().split('\n')) {
    const [where, what, ms, n] = line.trim().split(/\s+/);
    t[`${where}.${what}`] = Number(ms);
    if (n !== undefined && Number(n) !== FILES) {
      throw new Error(`share: stat saw ${n} files in ${where}, not ${FILES}`);
    }
  }
  const rate = (ms) => round(BIG_MIB / (ms / 1000), 1);
  const seq = (what) =>
    entry({
      ...(what === 'read' ? { target: '≥ 50 %', met: t['disk.read'] / t['share.read'] >= 0.5 } : {}),
      row: 'share',
      metric: `sequential ${what} ${BIG_MIB} MiB in a container`,
      value: rate(t[`share.${what}`]),
      unit: 'MiB/s',
      baselineName: 'docker volume on the guest disk',
      baseline: rate(t[`disk.${what}`]),
      ratio: round((t[`disk.${what}`] / t[`share.${what}`]) * 100),
      ratioKind: 'percent',
      samples: { shareMs: t[`share.${what}`], diskMs: t[`disk.${what}`] },
    });
  return [
    seq('write'),
    seq('read'),
    entry({
      row: 'share',
      metric: `find + stat over ${FILES} small files in a container`,
      value: round(t['share.stat'] / 1000, 2),
      unit: 's',
      baselineName: 'docker volume on the guest disk',
      baseline: round(t['disk.stat'] / 1000, 2),
      ratio: round(t['share.stat'] / t['disk.stat'], 1),
      target: '≤ 4×',
      met: t['share.stat'] / t['disk.stat'] <= 4,
      samples: { shareMs: t['share.stat'], diskMs: t['disk.stat'] },
      note:
        (type === 'virtiofs'
          ? 'virtiofs (virtiofsd cache=auto, guest RAM a shared memfd)'
          : '9p (virtio, msize 128 KiB, cache=mmap, security_model=none)') +
        ' bind-mounted from the share; guest caches dropped before each step; writes end with fsync.',
    }),
  ];
}
