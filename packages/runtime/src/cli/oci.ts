/** `byhand oci …`: the OCI runtime command line, in runc's argument shapes. */
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { killContainer, parseSignal, removeContainer } from '../lifecycle/control.js';
import { launch } from '../lifecycle/launch.js';
import { releaseCreated } from '../lifecycle/start.js';
import { bundleConfig } from '../oci/bundle.js';
import { defaultSpec, OCI_VERSION } from '../oci/spec.js';
import type { Container } from '../state.js';
import { bool, parseArgs, str, UsageError } from './args.js';
import { CommandError, type Context } from './context.js';
import { startInBackground } from './run.js';

const OCI_HELP = `Usage: byhand oci COMMAND

The OCI runtime interface (as runc has it), over a bundle: a directory with config.json and rootfs/.

  spec   [--bundle DIR]            write a default config.json
  create [--bundle DIR] ID         set the container up; it waits for start
  start  ID                        run the command of a created container
  state  ID                        print its state as JSON (ociVersion, id, status, pid, bundle)
  kill   ID [SIGNAL]               send a signal (default TERM)
  delete [-f] ID                   remove it (-f: even while it runs)
  run    [--bundle DIR] [-d] ID    create and start, attached unless -d
`;

const BUNDLE_FLAGS = [
  { key: 'bundle', names: ['-b', '--bundle'], value: true },
  { key: 'detach', names: ['-d', '--detach'] },
  { key: 'force', names: ['-f', '--force'] },
  { key: 'help', names: ['--help'] },
];

export function ociState(c: Container): Record<string, unknown> {
  const running = c.state.status === 'running' || c.state.status === 'paused';
  return {
    ociVersion: OCI_VERSION,
    id: c.state.name,
    status: c.state.status,
    pid: running || c.state.status === 'created' ? c.state.pid?.pid ?? 0 : 0,
    bundle: c.config.bundle ?? '',
  };
}

function createFromBundle(ctx: Context, bundleDir: string, id: string | undefined): Container {
  if (!id) throw new UsageError('name the container: byhand oci create --bundle DIR ID');
  let config;
  try {
    config = bundleConfig(bundleDir);
  } catch (err) {
    throw new CommandError((err as Error).message);
  }
  return ctx.store.create(config, id);
}

export async function ociCommand(ctx: Context, argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { flags, positionals } = parseArgs(rest, BUNDLE_FLAGS);
  if (!sub || sub === '--help' || bool(flags, 'help')) {
    ctx.out(OCI_HELP);
    return sub ? 0 : 125;
  }
  const bundle = resolve(str(flags, 'bundle') ?? '.');
  const [id, extra] = positionals;
  switch (sub) {
    case 'spec': {
      const path = join(bundle, 'config.json');
      if (existsSync(path)) throw new CommandError(`${path} already exists: remove it first`);
      writeFileSync(path, `${JSON.stringify(defaultSpec(), null, 2)}\n`);
      return 0;
    }
    case 'create': {
      const c = createFromBundle(ctx, bundle, id);
      const code = await startInBackground({ ...ctx, out: () => {} }, c, true);
      return code;
    }
    case 'run': {
      const c = createFromBundle(ctx, bundle, id);
      if (bool(flags, 'detach')) return startInBackground({ ...ctx, out: () => {} }, c, false);
      return launch(ctx.store, c, {
        stdio: [c.config.interactive ? 'inherit' : 'ignore', 'inherit', 'inherit'],
        explain: ctx.explain ? (line) => ctx.err(`${line}\n`) : undefined,
        forwardSignals: true,
        onError: (message) => ctx.err(`byhand: ${message}\n`),
      });
    }
    case 'start':
      releaseCreated(ctx.store, ctx.store.find(need(id)));
      return 0;
    case 'state':
      ctx.out(`${JSON.stringify(ociState(ctx.store.find(need(id))), null, 2)}\n`);
      return 0;
    case 'kill':
      killContainer(ctx.store.find(need(id)), parseSignal(extra ?? 'TERM'));
      return 0;
    case 'delete':
      await removeContainer(ctx.store, ctx.store.find(need(id)), bool(flags, 'force'));
      return 0;
    default:
      throw new UsageError(`unknown oci command ${sub}: see byhand oci --help`);
  }
}

function need(id: string | undefined): string {
  if (!id) throw new UsageError('name the container: byhand oci COMMAND ID');
  return id;
}
