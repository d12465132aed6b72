/** `byhand network create NAME [--subnet CIDR] | ls | rm NAME...`: user-defined networks. */
import { formatTraceEvent } from '../explain.js';
import { createNetwork, listNetworks, removeNetwork, type NetworkOptions } from '../network/index.js';
import { parseArgs, str, UsageError } from './args.js';
import { CommandError, type Context } from './context.js';

const HELP = `Usage: byhand network create NAME [--subnet CIDR]
       byhand network ls
       byhand network rm NAME...

Networks are bridges with a subnet of their own. Containers join one with
byhand run --network NAME [--ip ADDR] and reach each other there by address and by name.
The bridge is made when the first container joins and removed when the last one leaves.

  --subnet CIDR   e.g. 10.77.0.0/24 (default: the first /16 from 172.30.0.0 that no route uses)
`;

function options(ctx: Context): NetworkOptions {
  return { stateDir: ctx.stateDir, onTrace: ctx.explain ? (e) => ctx.err(`${formatTraceEvent(e)}\n`) : undefined };
}

/** Errors of the network module are the user's to fix (a clash, a missing network): exit 1, as Docker. */
async function userFacing<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new CommandError((err as Error).message, 1);
  }
}

async function create(ctx: Context, argv: string[]): Promise<number> {
  const { flags, positionals } = parseArgs(argv, [{ key: 'subnet', names: ['--subnet'], value: true }]);
  const [name, ...extra] = positionals;
  if (!name || extra.length) throw new UsageError('network create needs exactly one NAME: byhand network create NAME [--subnet CIDR]');
  const net = await userFacing(() => createNetwork(name, { subnet: str(flags, 'subnet') }, options(ctx)));
  ctx.out(`${net.name}\n`);
  return 0;
}

async function ls(ctx: Context): Promise<number> {
  const rows = [['NAME', 'BRIDGE', 'SUBNET', 'GATEWAY', 'CONTAINERS']];
  for (const n of await listNetworks(options(ctx))) {
    rows.push([n.name, n.bridge, n.subnet, n.gateway, String(Object.keys(n.leases).length)]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  ctx.out(rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]! + 3))).join('')).join('\n') + '\n');
  return 0;
}

async function rm(ctx: Context, names: string[]): Promise<number> {
  if (names.length === 0) throw new UsageError('network rm needs a NAME: byhand network rm NAME...');
  for (const name of names) {
    await userFacing(() => removeNetwork(name, options(ctx)));
    ctx.out(`${name}\n`);
  }
  return 0;
}

export async function networkCommand(ctx: Context, argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || rest.includes('--help')) {
    ctx.out(HELP);
    return sub ? 0 : 125;
  }
  if (sub === 'create') return create(ctx, rest);
  if (sub === 'ls' || sub === 'list') return ls(ctx);
  if (sub === 'rm' || sub === 'remove') return rm(ctx, rest);
  throw new UsageError(`unknown network command ${sub}: use create, ls or rm`);
}
