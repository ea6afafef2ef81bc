import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** True when 127.0.0.1:`port` can be bound right now. */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/**
 * Connects to host:port and resolves with the first line when it is an SSH identification string
 * (`SSH-2.0-…`), or null when the connection fails, closes or stays silent for `timeoutMs`.
 * (QEMU's user network accepts a forwarded connection before the guest listens, so only a banner
 * proves sshd is up.)
 */
export function readSshBanner(host: string, port: number, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = net.connect(port, host);
    let data = '';
    const done = (value: string | null) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(value);
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      data += chunk.toString('latin1');
      const nl = data.indexOf('\n');
      if (nl >= 0) done(data.startsWith('SSH-') ? data.slice(0, nl).trim() : null);
      else if (data.length > 255) done(null);
    });
    socket.once('error', () => done(null));
    socket.once('close', () => done(null));
  });
}

/**
 * Polls {@link readSshBanner} until a banner arrives. Resolves with it; rejects with the reason
 * `giveUp` returns (checked between attempts, e.g. "the VM exited"), on `signal` abort, or after
 * `timeoutMs` in total.
 */
export async function waitForSshBanner(opts: {
  host: string;
  port: number;
  timeoutMs: number;
  signal?: AbortSignal;
  giveUp?: () => Promise<string | null>;
}): Promise<string> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    if (opts.signal?.aborted) throw new Error('cancelled');
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`no SSH banner on ${opts.host}:${opts.port} within ${opts.timeoutMs} ms`);
    const banner = await readSshBanner(opts.host, opts.port, Math.min(left, 5000));
    if (banner) return banner;
    const reason = await opts.giveUp?.();
    if (reason) throw new Error(reason);
    await sleep(Math.min(250, Math.max(0, deadline - Date.now())));
  }
}
