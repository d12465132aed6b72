/** Commands on existing containers: ps, stop, kill, rm, pause, unpause, gc. */
import { collectGarbage, killContainer, parseSignal, pauseContainer, removeContainer, stopContainer, unpauseContainer } from '../lifecycle/control.js';
import { disconnect, gc as networkGc, type NetworkOptions } from '../network/index.js';
import { formatTraceEvent } from '../explain.js';
import type { Container } from '../state.js';
import { bool, parseArgs, parseInteger, str, UsageError } from './args.js';
import type { Context } from './context.js';

function ago(iso: string | null): string {
  if (!iso) return '';
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (s < 60) return `${s} seconds ago`;
  if (s < 3600) return `${Math.round(s / 60)} minutes ago`;
  return `${Math.round(s / 3600)} hours ago`;
}

export function statusText(c: Container): string {
  const s = c.state;
  if (s.status === 'running') return `Up ${ago(s.startedAt).replace(' ago', '')}`;
  if (s.status === 'paused') return `Up ${ago(s.startedAt).replace(' ago', '')} (Paused)`;
  if (s.status === 'created') return 'Created';
  return `Exited (${s.exitCode ?? -1}) ${ago(s.finishedAt)}`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]! + 3))).join('')).join('\n') + '\n';
}

export function psCommand(ctx: Context, argv: string[]): number {
  const { flags } = parseArgs(argv, [
    { key: 'all', names: ['-a', '--all'] }, { key: 'quiet', names: ['-q', '--quiet'] }, { key: 'help', names: ['--help'] },
  ]);
  if (bool(flags, 'help')) {
    ctx.out('Usage: byhand ps [-a] [-q]\n\nLists running containers.\n  -a  all containers, stopped ones too\n  -q  only their ids\n');
    return 0;
  }
  const shown = ctx.store.list().filter((c) => bool(flags, 'all') || c.state.status === 'running' || c.state.status === 'paused');
  if (bool(flags, 'quiet')) {
    ctx.out(shown.map((c) => `${c.state.id.slice(0, 12)}\n`).join(''));
    return 0;
  }
  const rows = [['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'NAMES']];
  for (const c of shown) {
    const cmd = c.config.command.join(' ');
    rows.push([c.state.id.slice(0, 12), c.config.image ?? '(rootfs)', JSON.stringify(cmd.length > 20 ? `${cmd.slice(0, 19)}…` : cmd),
      ago(c.state.createdAt), statusText(c), c.state.name]);
  }
  ctx.out(table(rows));
  return 0;
}

function refs(argv: string[], usage: string): string[] {
  if (argv.length === 0) throw new UsageError(`${usage}: name at least one container`);
  return argv;
}

export async function stopCommand(ctx: Context, argv: string[]): Promise<number> {
  const { flags, positionals } = parseArgs(argv, [{ key: 'time', names: ['-t', '--time'], value: true }, { key: 'help', names: ['--help'] }]);
  if (bool(flags, 'help')) {
    ctx.out('Usage: byhand stop [-t SECONDS] CONTAINER...\n\nSends SIGTERM to pid 1, then SIGKILL after the timeout (default 10 s).\n');
    return 0;
  }
  const timeout = str(flags, 'time') ? parseInteger('-t', str(flags, 'time')!) : 10;
  for (const ref of refs(positionals, 'byhand stop CONTAINER')) {
    await stopContainer(ctx.store, ctx.store.find(ref), timeout);
    ctx.out(`${ref}\n`);
  }
  return 0;
}

export function killCommand(ctx: Context, argv: string[]): number {
  const { flags, positionals } = parseArgs(argv, [{ key: 'signal', names: ['-s', '--signal'], value: true }, { key: 'help', names: ['--help'] }]);
  if (bool(flags, 'help')) {
    ctx.out('Usage: byhand kill [-s SIGNAL] CONTAINER...\n\nSends a signal (default KILL) to the container\'s pid 1.\n');
    return 0;
  }
  const signal = parseSignal(str(flags, 'signal') ?? 'KILL');
  for (const ref of refs(positionals, 'byhand kill CONTAINER')) {
    killContainer(ctx.store.find(ref), signal);
    ctx.out(`${ref}\n`);
  }
  return 0;
}

export async function rmCommand(ctx: Context, argv: string[]): Promise<number> {
  const { flags, positionals } = parseArgs(argv, [{ key: 'force', names: ['-f', '--force'] }, { key: 'help', names: ['--help'] }]);
  if (bool(flags, 'help')) {
    ctx.out('Usage: byhand rm [-f] CONTAINER...\n\nRemoves containers and their writable layers; -f kills running ones first.\n');
    return 0;
  }
  for (const ref of refs(positionals, 'byhand rm CONTAINER')) {
    const c = ctx.store.find(ref);
    await removeContainer(ctx.store, c, bool(flags, 'force'));
    // Its owner, which would have unplugged it, was ended with it.
    await disconnect(c.state.id, networkOptions(ctx));
    ctx.out(`${ref}\n`);
  }
  return 0;
}

export async function pauseCommand(ctx: Context, argv: string[], pause: boolean): Promise<number> {
  if (argv[0] === '--help') {
    ctx.out(`Usage: byhand ${pause ? 'pause' : 'unpause'} CONTAINER...\n\n${pause ? 'Freezes' : 'Thaws'} every process of the container (the cgroup freezer).\n`);
    return 0;
  }
  for (const ref of refs(argv, `byhand ${pause ? 'pause' : 'unpause'} CONTAINER`)) {
    const c = ctx.store.find(ref);
    await (pause ? pauseContainer(ctx.store, c) : unpauseContainer(ctx.store, c));
    ctx.out(`${ref}\n`);
  }
  return 0;
}

export async function gcCommand(ctx: Context, argv: string[]): Promise<number> {
  if (argv[0] === '--help') {
    ctx.out('Usage: byhand gc\n\nRemoves what crashes left behind: --rm containers whose owner died, their processes and cgroups, stale names,\nand network leases, veths, bridges and nft rules of containers that are gone.\n');
    return 0;
  }
  let failure: unknown = null;
  try {
    for (const what of await collectGarbage(ctx.store)) ctx.out(`removed ${what}\n`);
  } catch (err) {
    failure = err; // the network's leftovers are still worth removing
  }
  const net = await networkGc(networkOptions(ctx));
  for (const lease of net.leases) ctx.out(`removed lease ${lease}\n`);
  for (const link of net.links) ctx.out(`removed link ${link}\n`);
  for (const owner of net.ruleOwners) ctx.out(`removed rules of ${owner}\n`);
  if (failure) throw failure;
  return 0;
}

function networkOptions(ctx: Context): NetworkOptions {
  return { stateDir: ctx.stateDir, onTrace: ctx.explain ? (e) => ctx.err(`${formatTraceEvent(e)}\n`) : undefined };
}
