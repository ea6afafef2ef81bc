/**
 * The dockerd flags a user may add through `docker_args`, with whether each takes a value.
 * Flags that would let the setting take over the engine or the host are left out on purpose:
 * listeners and TLS (`-H/--host`, `--tls*`), where state lives (`--data-root`, `--exec-root`,
 * `--pidfile`, `--config-file`), and privilege boundaries (`--userns-remap`,
 * `--authorization-plugin`, `-G/--group`). Dlite manages those itself.
 */
export const DOCKERD_FLAGS: Readonly<Record<string, 'value' | 'boolean'>> = {
  '--allow-nondistributable-artifacts': 'value',
  '--bip': 'value',
  '--debug': 'boolean',
  '--default-address-pool': 'value',
  '--default-cgroupns-mode': 'value',
  '--default-gateway': 'value',
  '--default-ipc-mode': 'value',
  '--default-runtime': 'value',
  '--default-shm-size': 'value',
  '--default-ulimit': 'value',
  '--dns-opt': 'value',
  '--dns-search': 'value',
  '--experimental': 'boolean',
  '--features': 'value',
  '--fixed-cidr': 'value',
  '--fixed-cidr-v6': 'value',
  '--icc': 'boolean',
  '--init': 'boolean',
  '--insecure-registry': 'value',
  '--ip-masq': 'boolean',
  '--ip6tables': 'boolean',
  '--iptables': 'boolean',
  '--ipv6': 'boolean',
  '--label': 'value',
  '--live-restore': 'boolean',
  '--log-driver': 'value',
  '--log-level': 'value',
  '--log-opt': 'value',
  '--max-concurrent-downloads': 'value',
  '--max-concurrent-uploads': 'value',
  '--max-download-attempts': 'value',
  '--mtu': 'value',
  '--shutdown-timeout': 'value',
  '--storage-opt': 'value',
  '--userland-proxy': 'boolean',
};

/**
 * Flags Dlite writes to daemon.json from a setting: dockerd refuses to start when a directive is
 * given both as a flag and in daemon.json, so these point at the setting instead.
 */
const SETTING_FLAGS: Readonly<Record<string, string>> = {
  '--registry-mirror': 'registry_mirrors',
  '--dns': 'dns',
};

/** Flags refused with a specific reason, so the message says why rather than "unknown". */
const MANAGED_FLAGS = new Set([
  '-H',
  '--host',
  '--tls',
  '--tlsverify',
  '--tlscacert',
  '--tlscert',
  '--tlskey',
  '--data-root',
  '--exec-root',
  '-p',
  '--pidfile',
  '--config-file',
  '--userns-remap',
  '--authorization-plugin',
  '-G',
  '--group',
  '--containerd',
]);

/** Characters a shell would interpret, plus whitespace and control characters. */
const UNSAFE = /[\s;&|`$<>\\'"(){}*?!#~\p{Cc}]/u;

function describe(arg: string): string {
  return JSON.stringify(arg);
}

/**
 * Checks a `docker_args` list: every flag is in {@link DOCKERD_FLAGS}, written `--flag=value` or
 * `--flag value` (boolean flags alone or `--flag=true|false`), and no element holds shell
 * metacharacters, whitespace or newlines. Answers the first problem as a message without the
 * field prefix, or null when the list is fine.
 */
export function checkDockerArgs(args: readonly string[]): string | null {
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i]!;
    if (UNSAFE.test(arg)) {
      return `${describe(arg)} must not contain whitespace, quotes or shell metacharacters`;
    }
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg : arg.slice(0, eq);
    if (!name.startsWith('-')) return `${describe(arg)} is not a flag (expected --flag or --flag=value)`;
    if (MANAGED_FLAGS.has(name)) return `${name} is managed by Dlite and cannot be set`;
    const setting = SETTING_FLAGS[name];
    if (setting !== undefined) {
      return `${name} cannot be given here (dockerd refuses it both as a flag and in daemon.json); use the ${setting} setting instead`;
    }
    const kind = DOCKERD_FLAGS[name];
    if (kind === undefined) {
      return `${name} is not an allowed dockerd flag (allowed: ${Object.keys(DOCKERD_FLAGS).join(', ')})`;
    }
    const inline = eq < 0 ? undefined : arg.slice(eq + 1);
    if (kind === 'boolean') {
      if (inline !== undefined && inline !== 'true' && inline !== 'false') {
        return `${name} takes no value or =true/=false, got ${describe(arg)}`;
      }
      continue;
    }
    if (inline !== undefined) {
      if (inline === '') return `${name} needs a value`;
      continue;
    }
    const next = args[i + 1];
    if (next === undefined || next.startsWith('-')) {
      return `${name} needs a value (--flag=value or --flag value)`;
    }
    if (UNSAFE.test(next)) {
      return `${describe(next)} must not contain whitespace, quotes or shell metacharacters`;
    }
    i += 1;
  }
  return null;
}
