/**
 * Real tools for the image tests: Debian's docker-registry on a free loopback port (started and
 * stopped by pid), skopeo to push and convert, umoci to build images layer by layer.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeBusyboxRootfs } from './helpers.js';

/** Fails the test with what to install when a tool is missing (never a silent skip). */
export function requireTools(...tools: string[]): void {
  const missing = tools.filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);
  if (missing.length > 0) {
    throw new Error(`the image tests need ${missing.join(', ')}: apt-get install -y ${missing.join(' ')} (npm run setup installs them)`);
  }
}

export function sh(cmd: string, args: string[], cwd?: string): string {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${e.stderr ?? e.message}`);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface TestRegistry {
  /** 127.0.0.1:PORT */
  host: string;
  storage: string;
  stop(): Promise<void>;
}

export async function startRegistry(): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'byhand-registry-'));
  const port = await freePort();
  const storage = join(dir, 'data');
  writeFileSync(join(dir, 'config.yml'), [
    'version: 0.1', 'log:', '  level: error', 'storage:', '  filesystem:', `    rootdirectory: ${storage}`,
    '  delete:', '    enabled: true', 'http:', `  addr: 127.0.0.1:${port}`, '',
  ].join('\n'));
  const child: ChildProcess = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const host = `127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`http://${host}/v2/`)).ok) break;
    } catch {
      // not listening yet
    }
    if (i === 100 || child.exitCode !== null) throw new Error(`docker-registry did not start on ${host}: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    host,
    storage,
    async stop() {
      if (child.exitCode === null) process.kill(child.pid!, 'SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The registry's file holding a blob: overwriting it is how a test corrupts the registry's copy. */
export function registryBlobPath(registry: TestRegistry, digest: string): string {
  const hex = digest.replace(/^sha256:/, '');
  return join(registry.storage, 'docker', 'registry', 'v2', 'blobs', 'sha256', hex.slice(0, 2), hex, 'data');
}

/**
 * An OCI layout (in work/layout, tag `t`) built with umoci, four layers:
 *   1. busybox, /etc/app.conf "v1", /old/gone.txt, /cache/{a,b}, /stay.txt
 *   2. adds /added.txt, changes /etc/app.conf to "v2"
 *   3. deletes /old/gone.txt (a .wh. whiteout)
 *   4. empties /cache (an opaque directory)
 */
export function buildTestLayout(work: string): string {
  const layout = join(work, 'layout');
  const base = makeBusyboxRootfs();
  mkdirSync(join(base, 'old'));
  mkdirSync(join(base, 'cache'));
  writeFileSync(join(base, 'etc', 'app.conf'), 'v1\n');
  writeFileSync(join(base, 'old', 'gone.txt'), 'bye\n');
  writeFileSync(join(base, 'cache', 'a'), 'a\n');
  writeFileSync(join(base, 'cache', 'b'), 'b\n');
  writeFileSync(join(base, 'stay.txt'), 'same\n');
  const image = `${layout}:t`;
  sh('umoci', ['init', '--layout', layout]);
  sh('umoci', ['new', '--image', image]);
  sh('umoci', ['insert', '--image', image, base, '/']);
  rmSync(base, { recursive: true, force: true });
  // repack diffs against the unpack it came from: one fresh unpack per layer.
  changeLayer(work, image, (rootfs) => {
    writeFileSync(join(rootfs, 'added.txt'), 'new\n');
    writeFileSync(join(rootfs, 'etc', 'app.conf'), 'v2\n');
  });
  changeLayer(work, image, (rootfs) => rmSync(join(rootfs, 'old', 'gone.txt')));
  const empty = join(work, 'empty');
  mkdirSync(empty);
  sh('umoci', ['insert', '--image', image, '--opaque', empty, '/cache']);
  sh('umoci', ['config', '--image', image, '--config.cmd', 'sh', '--config.env', 'GREETING=hello']);
  return layout;
}

/** A new layer on image: what `change` does to an unpacked copy of its root filesystem. */
function changeLayer(work: string, image: string, change: (rootfs: string) => void): void {
  const bundle = mkdtempSync(join(work, 'bundle-'));
  rmSync(bundle, { recursive: true });
  sh('umoci', ['unpack', '--image', image, bundle]);
  change(join(bundle, 'rootfs'));
  sh('umoci', ['repack', '--image', image, bundle]);
  rmSync(bundle, { recursive: true, force: true });
}

/** Adds one more layer (a file of its own) to a copy of the layout, so its blob is unique. */
export function withExtraLayer(work: string, layout: string, file: string): string {
  const copy = join(work, `layout-${file}`);
  cpSync(layout, copy, { recursive: true });
  changeLayer(work, `${copy}:t`, (rootfs) => writeFileSync(join(rootfs, file), `${file}\n`));
  return copy;
}

export function push(layout: string, registry: TestRegistry, name: string): void {
  sh('skopeo', ['copy', '--dest-tls-verify=false', `oci:${layout}:t`, `docker://${registry.host}/${name}`]);
}

/** Every path below dir with its size: a snapshot of the image store to compare. */
export function snapshot(dir: string): string {
  return sh('find', [dir, '-printf', '%P %s %y\n']).split('\n').sort().join('\n');
}

export interface TokenGate {
  host: string;
  /** Scopes the token service was asked for. */
  scopes: string[];
  stop(): Promise<void>;
}

/**
 * A front door to the registry that wants a bearer token, as Docker Hub does: 401 with
 * `WWW-Authenticate: Bearer realm=…,service=…,scope=…`, a token from the realm, then the request again.
 */
export async function startTokenGate(registry: TestRegistry): Promise<TokenGate> {
  const token = 'test-token-42';
  const scopes: string[] = [];
  const server = createHttpServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://gate');
    if (url.pathname === '/token') {
      scopes.push(url.searchParams.get('scope') ?? '');
      const ok = url.searchParams.get('service') === 'test-registry';
      res.writeHead(ok ? 200 : 400, { 'content-type': 'application/json' }).end(JSON.stringify(ok ? { token } : { error: 'unknown service' }));
      return;
    }
    if (req.headers.authorization !== `Bearer ${token}`) {
      const repo = /^\/v2\/(.+)\/(manifests|blobs)\//.exec(url.pathname)?.[1] ?? '';
      res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${gate.host}/token",service="test-registry",scope="repository:${repo}:pull"` }).end();
      return;
    }
    const headers: Record<string, string> = {};
    for (const name of ['accept', 'range']) if (req.headers[name]) headers[name] = String(req.headers[name]);
    fetch(`http://${registry.host}${req.url}`, { headers }).then(async (upstream) => {
      const out: Record<string, string> = {};
      upstream.headers.forEach((value, name) => { if (name !== 'content-encoding' && name !== 'transfer-encoding') out[name] = value; });
      res.writeHead(upstream.status, out).end(Buffer.from(await upstream.arrayBuffer()));
    }, () => res.writeHead(502).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  const gate: TokenGate = {
    host: `127.0.0.1:${address.port}`,
    scopes,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
  return gate;
}

/** Puts an OCI index (a manifest list) into the registry: the first entry arm64, the second amd64. */
export async function pushIndex(registry: TestRegistry, repo: string, tag: string, arm64: string, amd64: string): Promise<void> {
  const entry = async (ref: string, architecture: string) => {
    const res = await fetch(`http://${registry.host}/v2/${repo}/manifests/${ref}`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
    const body = Buffer.from(await res.arrayBuffer());
    return { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: res.headers.get('docker-content-digest')!, size: body.length, platform: { os: 'linux', architecture } };
  };
  const index = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [await entry(arm64, 'arm64'), await entry(amd64, 'amd64')] };
  const res = await fetch(`http://${registry.host}/v2/${repo}/manifests/${tag}`, {
    method: 'PUT', headers: { 'content-type': 'application/vnd.oci.image.index.v1+json' }, body: JSON.stringify(index),
  });
  if (!res.ok) throw new Error(`the registry refused the index: ${res.status} ${await res.text()}`);
}
