/** The set-up steps that build the project itself, each skipped when its inputs are unchanged. */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { hashPaths, readKey, sha256 } from './hash.mjs';

const NPM_FLAGS = ['--no-audit', '--no-fund'];
// Build output, installed modules and files the tools generate are results, not inputs.
const NOT_SOURCES = [
  'node_modules',
  '.next',
  'build',
  'test-results',
  'playwright-report',
  'next-env.d.ts',
  /\.tsbuildinfo$/,
];

/** Runs `build` unless `key` matches the one stored at `keyFile`; stores it after success. */
async function cached(keyFile, key, build) {
  if (readKey(keyFile) === key) return { status: 'cached' };
  await build();
  mkdirSync(dirname(keyFile), { recursive: true });
  writeFileSync(keyFile, `${key}\n`);
  return { status: 'done' };
}

/**
 * npm ci for a fresh checkout; npm install when node_modules exists but is stale, which keeps
 * what is already built (node-pty compiles from source) instead of deleting everything.
 * The key includes Node's ABI version, so a Node upgrade rebuilds native modules.
 */
export function npmInstallStep(ctx, { root }) {
  const lock = join(root, 'package-lock.json');
  const modules = join(root, 'node_modules');
  const key = `${existsSync(lock) ? hashPaths([lock]) : 'no-lock'} node-abi-${process.versions.modules}`;
  const command = existsSync(lock) && !existsSync(modules) ? 'ci' : 'install';
  return cached(join(modules, '.byhand-install'), key, () =>
    ctx.run('npm', [command, ...NPM_FLAGS], { cwd: root }),
  );
}

/** The runtime's C helper and N-API addon (node-gyp). */
export function nativeBuildStep(ctx, { root }) {
  const pkg = join(root, 'packages', 'runtime');
  const gyp = join(pkg, 'binding.gyp');
  if (!existsSync(gyp)) {
    return { status: 'skipped', note: 'packages/runtime/binding.gyp does not exist yet, so there is nothing to build' };
  }
  const key = sha256(`${hashPaths([join(pkg, 'native'), gyp])} node-abi-${process.versions.modules}`);
  return cached(join(pkg, 'build', '.byhand-hash'), key, () =>
    ctx.run('npm', ['run', 'build', '-w', '@byhand/runtime'], { cwd: root }),
  );
}

/** The site (next build), rebuilt when its sources, the lessons or the wire protocol change. */
export function webBuildStep(ctx, { root }) {
  const web = join(root, 'apps', 'web');
  if (!existsSync(join(web, 'app'))) {
    return { status: 'skipped', note: 'apps/web/app does not exist yet, so there is no site to build' };
  }
  const inputs = [web, join(root, 'content'), join(root, 'packages', 'protocol', 'src'), join(root, 'package-lock.json')];
  const key = hashPaths(inputs, { exclude: NOT_SOURCES });
  return cached(join(web, '.next', '.byhand-hash'), key, () =>
    ctx.run('npm', ['run', 'build', '-w', '@byhand/web'], {
      cwd: root,
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
    }),
  );
}
