import type { Logger } from '../log/logger.js';
import { TIMEOUTS } from './boot.js';
import type { FrontDoor, GuestLink } from './ports.js';
import { GUEST_SUSPEND } from './sleep.js';

/** After a resumed start: mounts the share again (a failure is logged, not fatal). */
export async function resumeGuest(link: GuestLink, logger: Logger): Promise<void> {
  const r = await link.run([GUEST_SUSPEND, 'resume'], 30_000);
  if (r.exitCode !== 0) logger.warn(`after the resume, the share did not come back: ${r.stdout.trim()}`);
}

/**
 * The `forward-docker` step of a resumed start. A resumed guest runs already: its engine and sshd
 * are up. The Docker port and SSH (the share comes back over it) are set up side by side, and the
 * engine, the one that was saved and configured, serves the waiting clients as soon as it answers;
 * the configure step after it only re-checks the settings and sets the clock.
 */
export async function reconnectResumed(
  link: GuestLink,
  signal: AbortSignal,
  frontDoor: FrontDoor | undefined,
  logger: Logger,
): Promise<void> {
  await Promise.all([
    (async () => {
      await link.forwardDocker(signal);
      await link.waitDocker(TIMEOUTS.docker, signal);
      await frontDoor?.engineReady();
    })(),
    (async () => {
      await link.waitSsh(TIMEOUTS.ssh, signal);
      await resumeGuest(link, logger);
    })(),
  ]);
}
