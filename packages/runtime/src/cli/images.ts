/** `import`, `images`, `rmi`: the minimal image store from the command line. */
import { bool, parseArgs, UsageError } from './args.js';
import { CommandError, type Context } from './context.js';

export async function importCommand(ctx: Context, argv: string[]): Promise<number> {
  const { flags, positionals } = parseArgs(argv, [{ key: 'help', names: ['--help'] }]);
  if (bool(flags, 'help')) {
    ctx.out('Usage: byhand import TAR|DIR NAME\n\nImports a root filesystem (a tar archive, compressed or not, or a directory) as image NAME.\n');
    return 0;
  }
  const [source, name] = positionals;
  if (!source || !name || positionals.length > 2) throw new UsageError('import needs a source and a name: byhand import TAR|DIR NAME');
  try {
    const image = await ctx.images.import(source, name);
    ctx.out(`${image.name}\n`);
  } catch (err) {
    throw new CommandError((err as Error).message);
  }
  return 0;
}

export function imagesCommand(ctx: Context, argv: string[]): number {
  const { flags } = parseArgs(argv, [{ key: 'help', names: ['--help'] }, { key: 'quiet', names: ['-q', '--quiet'] }]);
  if (bool(flags, 'help')) {
    ctx.out('Usage: byhand images [-q]\n\nLists the images in the local store.\n');
    return 0;
  }
  const images = ctx.images.list();
  if (bool(flags, 'quiet')) {
    ctx.out(images.map((i) => `${i.name}\n`).join(''));
    return 0;
  }
  const width = Math.max(4, ...images.map((i) => i.name.length)) + 3;
  ctx.out(`${'NAME'.padEnd(width)}${'CREATED'.padEnd(27)}ROOTFS\n`);
  for (const i of images) ctx.out(`${i.name.padEnd(width)}${i.created.padEnd(27)}${i.rootfs}\n`);
  return 0;
}

export function rmiCommand(ctx: Context, argv: string[]): number {
  if (argv.length === 0 || argv[0] === '--help') {
    ctx.out('Usage: byhand rmi IMAGE...\n\nRemoves images no container uses.\n');
    return argv.length === 0 ? 125 : 0;
  }
  for (const name of argv) {
    const users = ctx.store.list().filter((c) => c.config.image === name);
    if (users.length > 0) {
      throw new CommandError(`image ${name} is used by container ${users[0]!.state.name}: remove it first (byhand rm)`);
    }
    try {
      ctx.images.remove(name);
    } catch (err) {
      throw new CommandError((err as Error).message);
    }
    ctx.out(`Deleted: ${name}\n`);
  }
  return 0;
}
