/** `run`, `create`, `start`, and the detached monitor that records a container's exit. */
import { spawn } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { launch } from '../lifecycle/launch.js';
import { TerminalStepper } from '../lifecycle/step-terminal.js';
import { containerFiles } from '../lifecycle/files.js';
import { makeExecFifo, releaseCreated } from '../lifecycle/start.js';
import { processRef, sleep, waitUntil } from '../proc.js';
import { newContainerId, type Container, type StateStore } from '../state.js';
import { autoIdPlan } from '../userns.js';
import type { ContainerConfig } from '../config.js';
import { DEFAULT_NETWORK, listNetworks } from '../network/index.js';
import { bool, str } from './args.js';
import { CommandError, type Context } from './context.js';
import { buildConfig, parseRunArgs, RUN_HELP } from './run-flags.js';

/** --userns=auto: the first block of ids no other container of this state dir uses. */
function allocateIds(store: StateStore): { base: number; count: number } {
  let plan;
  try {
    plan = autoIdPlan(readFileSync('/proc/self/uid_map', 'utf8'), readFileSync('/proc/self/gid_map', 'utf8'));
  } catch (err) {
    throw new CommandError((err as Error).message);
  }
  const used = new Set(store.list().map((c) => (c.config.userns.kind === 'auto' ? c.config.userns.base : -1)));
  for (let block = 0; block < plan.blocks; block++) {
    const base = plan.first + block * plan.size;
    if (!used.has(base)) return { base, count: plan.size };
  }
  throw new CommandError('every uid range for --userns=auto is in use: remove some containers');
}

/** A run on a network that does not exist fails before any container is made, as Docker's does. */
async function requireNetwork(ctx: Context, network: ContainerConfig['network']): Promise<void> {
  if (network.kind !== 'bridge' || network.network === DEFAULT_NETWORK) return;
  const known = await listNetworks({ stateDir: ctx.store.root });
  if (!known.some((n) => n.name === network.network)) {
    throw new CommandError(`there is no network ${network.network}: make it with \`byhand network create ${network.network} --subnet CIDR\`, or see \`byhand network ls\``);
  }
}

async function createContainer(ctx: Context, argv: string[], attached: boolean): Promise<{ c: Container; detach: boolean; step: boolean } | null> {
  const req = parseRunArgs(argv);
  if (bool(req.flags, 'help')) return null;
  let image = null;
  try {
    image = req.image ? ctx.images.require(req.image) : null;
  } catch (err) {
    throw new CommandError((err as Error).message);
  }
  const id = newContainerId();
  const config = buildConfig(req, { image, id, allocateIds: () => allocateIds(ctx.store) });
  await requireNetwork(ctx, config.network);
  const [detach, step] = [bool(req.flags, 'detach') || !attached, bool(req.flags, 'step')];
  if (step && detach) throw new CommandError('--step needs this terminal to ask before each step: use byhand run without -d');
  const c = ctx.store.create(config, str(req.flags, 'name'), id);
  return { c, detach, step };
}

export async function runCommand(ctx: Context, argv: string[]): Promise<number> {
  const made = await createContainer(ctx, argv, true);
  if (!made) {
    ctx.out(RUN_HELP);
    return 0;
  }
  const { c, detach, step } = made;
  if (detach) return startInBackground(ctx, c, false);
  const attachStdin = c.config.interactive || c.config.tty;
  return launch(ctx.store, c, {
    stdio: [attachStdin ? 'inherit' : 'ignore', 'inherit', 'inherit'],
    explain: ctx.explain ? (line) => ctx.err(`${line}\n`) : undefined,
    forwardSignals: true,
    onError: (message) => ctx.err(`byhand: ${message}\n`),
    step: step ? new TerminalStepper(ctx.err) : undefined,
  });
}

export async function createCommand(ctx: Context, argv: string[]): Promise<number> {
  const made = await createContainer(ctx, argv, false);
  if (!made) {
    ctx.out(RUN_HELP.replace('byhand run', 'byhand create').replace('Runs a command in a new container (byhand create + start, attached).', 'Creates a container that waits for byhand start.'));
    return 0;
  }
  return startInBackground(ctx, made.c, true);
}

/**
 * Hands the container to a detached monitor (this CLI again, as `__monitor ID`) whose output
 * is the container's log, and waits until it is running, created, or failed.
 */
export async function startInBackground(ctx: Context, c: Container, waitForStart: boolean): Promise<number> {
  const files = containerFiles(c.dir);
  if (waitForStart) {
    rmSync(files.fifo, { force: true });
    makeExecFifo(files.fifo);
  }
  rmSync(files.pidFile, { force: true });
  rmSync(files.explainLog, { force: true });
  // 'created' until the monitor has a helper; owned by this CLI until the monitor takes over.
  ctx.store.update(c.state.id, { status: 'created', exitCode: null, finishedAt: null, helper: null, pid: null, owner: processRef(process.pid) });
  const log = openSync(files.log, 'a');
  const args = [...ctx.self.args, '--state', ctx.stateDir, ...(ctx.explain ? ['--explain'] : []), '__monitor', c.state.id];
  if (waitForStart) args.push('--wait');
  const monitor = spawn(ctx.self.file, args, { detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
  monitor.unref();
  const settled = () => {
    const now = ctx.store.load(c.state.id);
    return !now || now.state.status === 'stopped' || now.state.pid !== null;
  };
  if (!(await waitUntil(settled, 30_000))) throw new CommandError(`container ${c.state.name} did not start within 30 s: see byhand logs ${c.state.name}`);
  if (ctx.explain) {
    // The last steps (the exec) are narrated just after pid 1 exists.
    await sleep(300);
    if (existsSync(files.explainLog)) ctx.err(readFileSync(files.explainLog, 'utf8'));
  }
  const now = ctx.store.load(c.state.id);
  if (now && now.state.status === 'stopped' && now.state.exitCode !== 0) {
    ctx.err(readFileSync(files.log, 'utf8'));
    return now.state.exitCode ?? 125;
  }
  ctx.out(`${c.state.id}\n`);
  return 0;
}

export async function startCommand(ctx: Context, argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help') {
    ctx.out('Usage: byhand start CONTAINER...\n\nStarts created containers (and restarts stopped ones, keeping their writable layer).\n');
    return argv.length === 0 ? 125 : 0;
  }
  for (const ref of argv) {
    const c = ctx.store.find(ref);
    if (c.state.status === 'stopped') {
      const code = await startInBackground(ctx, c, false);
      if (code !== 0) return code;
      continue;
    }
    releaseCreated(ctx.store, c);
    ctx.out(`${ref}\n`);
  }
  return 0;
}

/** `__monitor ID [--wait]`: runs in the background with the container's log as its output. */
export async function monitorCommand(ctx: Context, argv: string[]): Promise<number> {
  const [id, wait] = argv;
  const c = ctx.store.load(id ?? '');
  if (!c) throw new CommandError(`__monitor: no container ${id}`);
  const files = containerFiles(c.dir);
  return launch(ctx.store, c, {
    stdio: ['ignore', 'inherit', 'inherit'],
    explain: ctx.explain ? (line) => appendFileSync(files.explainLog, `${line}\n`) : undefined,
    waitForStart: wait === '--wait',
    onError: (message) => ctx.err(`byhand: ${message}\n`),
  });
}
