/**
 * xhyve's command line (REFERENCE.md 1.1, machyve/xhyve `xhyve.c` getopt): ACPI (`-A`, needed for the
 * SIGTERM → power-button stop), vmexit on HLT and PAUSE (`-H -P`, else each vCPU spins a host core),
 * RTC in UTC (`-u`), the console on com1 = xhyve's stdout (captured to `log/console.log`; plain
 * xhyve has no log-file backend), vmnet networking whose MAC (and so DHCP lease) is stable per `-U`
 * uuid, and `-f kexec,<kernel>,<initrd>,<cmdline>` with the command line as the rest of one argv
 * element (it may hold commas; quotes in the docs are shell quoting, not part of the value).
 */

/** Most vCPUs xhyve accepts (man page). */
export const XHYVE_MAX_CPUS = 16;

/** The values of one xhyve command line, already as text (see {@link xhyveArgv}). */
export interface XhyveFields {
  readonly cpus: string;
  /** GiB, without the unit. */
  readonly memoryGiB: string;
  readonly uuid: string;
  readonly disk: string;
  readonly kernel: string;
  readonly initrd: string;
  readonly cmdline: string;
}

/**
 * The argv layout, shared by {@link buildXhyveArgs} (real values) and the root launcher script
 * (shell variables and `/dev/fd/N` paths), so the layout is decided in one place. Unvalidated.
 */
export function xhyveArgv(f: XhyveFields): string[] {
  return [
    ...['-A', '-H', '-P', '-u'],
    ...['-c', f.cpus, '-m', `${f.memoryGiB}G`],
    ...['-s', '0:0,hostbridge', '-s', '31,lpc', '-l', 'com1,stdio'],
    ...['-s', '2:0,virtio-net', '-s', `4,virtio-blk,${f.disk}`, '-s', '5,virtio-rnd'],
    ...['-U', f.uuid],
    ...['-f', `kexec,${f.kernel},${f.initrd},${f.cmdline}`],
  ];
}

export interface XhyveArgsInput {
  readonly cpus: number;
  readonly memoryGiB: number;
  readonly uuid: string;
  readonly disk: string;
  readonly kernel: string;
  readonly initrd: string;
  readonly cmdline: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * xhyve's argv for one VM. Pure. Throws an Error naming the field when a value cannot be expressed:
 * a path with a comma (xhyve splits `-s` and `-f` on commas), a command line with a newline or NUL,
 * CPUs outside 1–16, memory not a whole number of GiB ≥ 1, or a malformed uuid.
 */
export function buildXhyveArgs(i: XhyveArgsInput): string[] {
  if (!Number.isInteger(i.cpus) || i.cpus < 1 || i.cpus > XHYVE_MAX_CPUS) {
    throw new Error(`cpus: xhyve takes 1 to ${XHYVE_MAX_CPUS} vCPUs, got ${i.cpus}`);
  }
  if (!Number.isInteger(i.memoryGiB) || i.memoryGiB < 1) {
    throw new Error(`memory: must be a whole number of GiB, got ${i.memoryGiB}`);
  }
  if (!UUID.test(i.uuid)) throw new Error(`uuid: ${JSON.stringify(i.uuid)} is not a uuid`);
  for (const [field, value] of [
    ['disk', i.disk],
    ['kernel', i.kernel],
    ['initrd', i.initrd],
  ] as const) {
    if (value === '' || value.includes(',') || /[\n\0]/.test(value)) {
      throw new Error(
        `${field}: xhyve cannot take the path ${JSON.stringify(value)} (it splits its options on commas)`,
      );
    }
  }
  if (/[\n\r\0]/.test(i.cmdline)) throw new Error('cmdline: must be one line without NUL');
  return xhyveArgv({
    cpus: String(i.cpus),
    memoryGiB: String(i.memoryGiB),
    uuid: i.uuid,
    disk: i.disk,
    kernel: i.kernel,
    initrd: i.initrd,
    cmdline: i.cmdline,
  });
}
