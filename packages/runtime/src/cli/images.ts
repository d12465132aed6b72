/** `import`, `images`, `rmi`, `builder prune`: the image store from the command line. */
import { importImage } from '../images/import.js';
import { formatBytes } from '../images/progress.js';
import { normalizeName } from '../images/reference.js';
import { bool, parseArgs, UsageError } from './args.js';
import { CommandError, type Context } from './context.js';

export async function importCommand(ctx: Context, argv: string[]): Promise<number> {
  const { flags, positionals } = parseArgs(argv, [{ key: 'help', names: ['--help'] }]);
  if (bool(flags, 'help')) {
    ctx.out('Usage: byhand import TAR|DIR NAME\n\nImports a root filesystem (a tar archive, plain or gzip, or a directory) as a one-layer image NAME.\n');
    return 0;
  }
  const [source, name] = positionals;
  if (!source || !name || positionals.length > 2) throw new UsageError('import needs a source and a name: byhand import TAR|DIR NAME');
  try {
    const image = await importImage(ctx.images, source, name);
    ctx.out(`${image.name}\n`);
  } catch (err) {
    throw new CommandError((err as Error).message);
  }
  return 0;
}

/** The first 12 hex digits, as Docker shows image ids. */
export function shortId(digest: string | null): string {
  return digest ? digest.replace(/^sha256:/, '').slice(0, 12) : '-';
}

/** An RFC 3339 time to the second (registries write nanoseconds). */
export function formatCreated(created: string): string {
  return created.replace(/\.\d+Z$/, 'Z');
}

export function imagesCommand(ctx: Context, argv: string[]): number {
  const { flags } = parseArgs(argv, [{ key: 'help', names: ['--help'] }, { key: 'quiet', names: ['-q', '--quiet'] }]);
  if (bool(flags, 'help')) {
    ctx.out('Usage: byhand images [-q]\n\nLists the images in the local store: name, image id (its config digest), when it was made, its layers.\n');
    return 0;
  }
  const images = ctx.images.list();
  if (bool(flags, 'quiet')) {
    ctx.out(images.map((i) => `${i.name}\n`).join(''));
    return 0;
  }
  const width = Math.max(4, ...images.map((i) => i.name.length)) + 3;
  ctx.out(`${'NAME'.padEnd(width)}${'IMAGE ID'.padEnd(15)}${'CREATED'.padEnd(27)}LAYERS\n`);
  for (const i of images) ctx.out(`${i.name.padEnd(width)}${shortId(i.id || null).padEnd(15)}${formatCreated(i.created).padEnd(27)}${i.layers.length}\n`);
  return 0;
}

function sameImage(a: string | null, b: string): boolean {
  if (a === null) return false;
  try {
    return a === b || normalizeName(a) === normalizeName(b);
  } catch {
    return false;
  }
}

export function rmiCommand(ctx: Context, argv: string[]): number {
  if (argv.length === 0 || argv[0] === '--help') {
    ctx.out('Usage: byhand rmi IMAGE...\n\nRemoves image names no container uses; layers no image needs any more go with them.\n');
    return argv.length === 0 ? 125 : 0;
  }
  const containers = ctx.store.list();
  const inUse = new Set(containers.flatMap((c) => c.config.layers));
  for (const name of argv) {
    const users = containers.filter((c) => sameImage(c.config.image, name));
    if (users.length > 0) {
      throw new CommandError(`image ${name} is used by container ${users[0]!.state.name}: remove it first (byhand rm)`);
    }
    try {
      ctx.images.remove(name, { inUse });
    } catch (err) {
      throw new CommandError((err as Error).message);
    }
    ctx.out(`Deleted: ${name}\n`);
  }
  return 0;
}

/** `byhand builder prune`: the build cache and the layers only it kept, as docker builder prune. */
export function builderCommand(ctx: Context, argv: string[]): number {
  if (argv.includes('--help')) {
    ctx.out('Usage: byhand builder prune\n\nForgets the build cache; layers no image or container needs any more go with it.\n');
    return 0;
  }
  if (argv[0] !== 'prune' || argv.length > 1) throw new UsageError(`builder knows one command, prune; got "${argv.join(' ')}"`);
  const inUse = new Set(ctx.store.list().flatMap((c) => c.config.layers));
  const { entries, bytes } = ctx.images.pruneBuildCache(inUse);
  ctx.out(`Deleted build cache entries: ${entries}\nTotal reclaimed space: ${formatBytes(bytes)}\n`);
  return 0;
}
