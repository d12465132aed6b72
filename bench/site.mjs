#!/usr/bin/env node
/**
 * The site's performance budget, measured (prints figures; not a test):
 * - first-load JavaScript of a lesson page: the scripts its HTML loads, without the terminal
 *   (xterm.js comes in a chunk of its own, loaded after the page is interactive);
 * - time to first byte from the production server (`next start`), median and p95.
 *
 * Usage: node bench/site.mjs [--url http://127.0.0.1:3000] [--lesson 02-namespaces] [--runs 30]
 * Without --url it starts `next start` on a free loopback port from the existing build
 * (run `npm run build -w @byhand/web` first; NEXT_DIST_DIR is honoured).
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';

const web = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'apps', 'web');
const { values: opts } = parseArgs({
  options: { url: { type: 'string' }, lesson: { type: 'string', default: '02-namespaces' }, runs: { type: 'string', default: '30' } },
});
const runs = Number(opts.runs);

const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;

async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startServer() {
  const port = await freePort();
  const child = spawn('npx', ['next', 'start', '-H', '127.0.0.1', '-p', String(port)], {
    cwd: web,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
    stdio: ['ignore', 'ignore', 'inherit'],
    // Its own process group, so stopping it also stops the server npx started.
    detached: true,
  });
  const stop = () => process.kill(-child.pid, 'SIGTERM');
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${base}/`)).ok) return { base, stop };
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  stop();
  throw new Error(`next start did not answer on ${base} within 20 s; is the site built (npm run build -w @byhand/web)?`);
}

/** Milliseconds from sending the request to the first byte of the body. */
function ttfb(url) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    http
      .get(url, (res) => {
        res.once('data', () => {
          resolve(Number(process.hrtime.bigint() - start) / 1e6);
          res.resume();
        });
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function firstLoadJs(base, page) {
  const html = await (await fetch(`${base}${page}`)).text();
  const srcs = [...new Set([...html.matchAll(/<script[^>]+src="([^"]+)"/g)].map((m) => m[1]))];
  let raw = 0;
  let gz = 0;
  const files = [];
  for (const src of srcs) {
    const body = Buffer.from(await (await fetch(new URL(src, base))).arrayBuffer());
    raw += body.length;
    gz += gzipSync(body).length;
    files.push({ src, body });
  }
  return { raw, gz, files };
}

/** Chunks that carry xterm.js: the terminal code, which must not be part of the first load. */
function terminalChunks() {
  const dir = path.join(web, process.env.NEXT_DIST_DIR || '.next', 'static', 'chunks');
  const found = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.js') && readFileSync(p, 'utf8').includes('xterm-helper-textarea')) found.push({ name: path.basename(p), size: statSync(p).size });
    }
  };
  walk(dir);
  return found;
}

const server = opts.url ? { base: opts.url.replace(/\/$/, ''), stop() {} } : await startServer();
try {
  const page = `/lessons/${opts.lesson}`;
  const js = await firstLoadJs(server.base, page);
  const terminal = terminalChunks();
  const leaked = js.files.filter((f) => terminal.some((t) => f.src.endsWith(t.name)));
  console.log(`first-load JS of ${page}: ${kb(js.raw)} (${kb(js.gz)} gzip) in ${js.files.length} scripts`);
  console.log(`terminal chunk(s), loaded on demand: ${terminal.map((t) => `${t.name} ${kb(t.size)}`).join(', ') || 'none found'}`);
  if (leaked.length) console.log(`WARNING: the first load includes the terminal: ${leaked.map((f) => f.src).join(', ')}`);

  for (const route of ['/', page]) {
    await ttfb(`${server.base}${route}`); // warm-up
    const times = [];
    for (let i = 0; i < runs; i++) times.push(await ttfb(`${server.base}${route}`));
    times.sort((a, b) => a - b);
    console.log(`TTFB ${route}: median ${percentile(times, 50).toFixed(1)} ms, p95 ${percentile(times, 95).toFixed(1)} ms over ${runs} requests`);
  }
} finally {
  server.stop();
}
