// Self-contained HTTP probe, run by the same Node binary on the host and (copied) inside the guest so
// both sides of a ratio use identical client code. Usage: node http-probe.mjs '<json spec>'; prints JSON.
//   { "mode": "latency", "socketPath"|"host"+"port", "paths": ["/_ping"], "n": 200, "warmup": 20 }
//     → { "<path>": { "keepAlive": [ms...], "fresh": [ms...] } }
//   { "mode": "rps", "host", "port", "path", "durationMs": 5000, "concurrency": 1 }
//     → { "requests", "errors", "seconds", "latencies": [ms...] }
import http from 'node:http';

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

function get(target, urlPath, agent) {
  return new Promise((resolve, reject) => {
    const req = http.get({ ...target, path: urlPath, agent, timeout: 10_000 }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

function targetOf(spec) {
  return spec.socketPath ? { socketPath: spec.socketPath } : { host: spec.host, port: spec.port };
}

async function samples(target, urlPath, n, warmup, agent) {
  for (let i = 0; i < warmup; i++) await get(target, urlPath, agent);
  const out = [];
  for (let i = 0; i < n; i++) {
    const t0 = nowMs();
    await get(target, urlPath, agent);
    out.push(Number((nowMs() - t0).toFixed(4)));
  }
  return out;
}

async function latency(spec) {
  const target = targetOf(spec);
  const result = {};
  for (const urlPath of spec.paths) {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const keepAlive = await samples(target, urlPath, spec.n, spec.warmup ?? 20, agent);
    agent.destroy();
    const fresh = await samples(target, urlPath, spec.n, Math.min(5, spec.warmup ?? 5), false);
    result[urlPath] = { keepAlive, fresh };
  }
  return result;
}

async function rps(spec) {
  const target = targetOf(spec);
  const agent = spec.keepAlive ? new http.Agent({ keepAlive: true }) : false;
  for (let i = 0; i < 5; i++) await get(target, spec.path, agent);
  const latencies = [];
  let errors = 0;
  const t0 = nowMs();
  const end = t0 + spec.durationMs;
  const worker = async () => {
    while (nowMs() < end) {
      const s = nowMs();
      try {
        await get(target, spec.path, agent);
        latencies.push(Number((nowMs() - s).toFixed(3)));
      } catch {
        errors += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: spec.concurrency ?? 1 }, worker));
  const seconds = (nowMs() - t0) / 1000;
  if (agent) agent.destroy();
  return { requests: latencies.length, errors, seconds, latencies };
}

const spec = JSON.parse(process.argv[2] ?? '{}');
const result = spec.mode === 'rps' ? await rps(spec) : await latency(spec);
process.stdout.write(JSON.stringify(result) + '\n');
