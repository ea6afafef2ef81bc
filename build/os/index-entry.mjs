// Release index of DhyveOS builds (format: build/os/README.md, "Release index").
//
//   node build/os/index-entry.mjs DIR [--min-dlite VERSION]
//       DIR/index.json: an index of the one build in DIR (its manifest.json), file URLs
//       relative to DIR, so DIR can be served as a channel as it is. build.sh runs this.
//       The minimum Dlite defaults to $DLITE_OS_MIN_DLITE, else package.json's version.
//   node build/os/index-entry.mjs --merge CHANNEL
//       CHANNEL/index.json: every DIR/index.json found below CHANNEL (three levels deep),
//       file URLs rebased onto CHANNEL, newest version first.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, readdir, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

const FORMAT = 1;
const INDEX = 'index.json';

function fail(message) {
  console.error(`index-entry: ${message}`);
  process.exit(1);
}

async function sha256(file) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk);
  return hash.digest('hex');
}

async function writeAtomically(file, value) {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`);
  await rename(tmp, file);
}

/** Orders `MAJOR.MINOR.PATCH[-pre]` versions, newest first. */
function newestFirst(a, b) {
  const parse = (v) => {
    const [core, pre] = v.split('-', 2);
    return { nums: core.split('.').map(Number), pre: pre ?? null };
  };
  const pa = parse(a.version);
  const pb = parse(b.version);
  for (let i = 0; i < 3; i += 1) if (pa.nums[i] !== pb.nums[i]) return pb.nums[i] - pa.nums[i];
  if (pa.pre === pb.pre) return a.arch.localeCompare(b.arch);
  if (pa.pre === null) return -1;
  if (pb.pre === null) return 1;
  return pb.pre.localeCompare(pa.pre, 'en', { numeric: true });
}

async function minDlite(flag) {
  if (flag) return flag;
  if (process.env.DLITE_OS_MIN_DLITE) return process.env.DLITE_OS_MIN_DLITE;
  const pkg = path.resolve(import.meta.dirname, '../../package.json');
  return JSON.parse(await readFile(pkg, 'utf8')).version;
}

async function entryFor(dir, minDliteVersion) {
  let manifest;
  try {
    manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8'));
  } catch (e) {
    fail(`${dir}/manifest.json: ${e.message}`);
  }
  const files = [];
  for (const name of [...Object.keys(manifest.files ?? {}), 'manifest.json']) {
    const file = path.join(dir, name);
    const size = (await stat(file).catch(() => fail(`${file} is missing`))).size;
    const digest = await sha256(file);
    const listed = manifest.files[name];
    if (listed && (listed.size !== size || listed.sha256 !== digest)) {
      fail(`${file} does not match manifest.json (size ${size}, sha256 ${digest})`);
    }
    files.push({ name, url: name, size, sha256: digest });
  }
  return { version: manifest.version, arch: manifest.arch, minDliteVersion, files };
}

async function findIndexes(dir, depth) {
  const found = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const sub = path.join(dir, entry.name);
    const index = path.join(sub, INDEX);
    if (await stat(index).catch(() => null)) found.push(index);
    if (depth > 1) found.push(...(await findIndexes(sub, depth - 1)));
  }
  return found;
}

function rebase(url, prefix) {
  return /^[a-z][a-z0-9+.-]*:/i.test(url) || url.startsWith('/') ? url : `${prefix}/${url}`;
}

async function merge(channel) {
  const versions = [];
  const seen = new Map();
  for (const file of await findIndexes(channel, 3)) {
    const prefix = path.relative(channel, path.dirname(file)).split(path.sep).join('/');
    const index = JSON.parse(await readFile(file, 'utf8'));
    if (index.format !== FORMAT) fail(`${file}: format ${index.format} is not ${FORMAT}`);
    for (const v of index.versions) {
      const key = `${v.version}/${v.arch}`;
      if (seen.has(key)) fail(`${v.version} for ${v.arch} is in both ${seen.get(key)} and ${file}`);
      seen.set(key, file);
      versions.push({ ...v, files: v.files.map((f) => ({ ...f, url: rebase(f.url, prefix) })) });
    }
  }
  versions.sort(newestFirst);
  await writeAtomically(path.join(channel, INDEX), { format: FORMAT, versions });
  console.log(`index-entry: ${path.join(channel, INDEX)} lists ${versions.length} build(s)`);
}

const args = process.argv.slice(2);
if (args[0] === '--merge') {
  if (!args[1]) fail('usage: index-entry.mjs --merge CHANNEL');
  await merge(path.resolve(args[1]));
} else {
  const dir = args[0];
  if (!dir) fail('usage: index-entry.mjs DIR [--min-dlite VERSION]');
  const at = args.indexOf('--min-dlite');
  const entry = await entryFor(path.resolve(dir), await minDlite(at > 0 ? args[at + 1] : undefined));
  await writeAtomically(path.join(dir, INDEX), { format: FORMAT, versions: [entry] });
  console.log(`index-entry: ${path.join(dir, INDEX)} (${entry.version}, ${entry.arch})`);
}
