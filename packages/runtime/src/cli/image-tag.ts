/** `byhand tag SOURCE NAME` and `byhand history IMAGE`. */
import { bool, parseArgs, UsageError } from './args.js';
import { CommandError, type Context } from './context.js';
import { formatCreated, shortId } from './images.js';

export function tagCommand(ctx: Context, argv: string[]): number {
  const { flags, positionals } = parseArgs(argv, [{ key: 'help', names: ['--help'] }]);
  if (bool(flags, 'help')) {
    ctx.out('Usage: byhand tag SOURCE NAME\n\nGives image SOURCE another name: both point to the same manifest, no layer is copied.\n');
    return 0;
  }
  if (positionals.length !== 2) throw new UsageError('tag needs a source and a name: byhand tag SOURCE NAME');
  try {
    ctx.out(`${ctx.images.tag(positionals[0]!, positionals[1]!)}\n`);
  } catch (err) {
    throw new CommandError((err as Error).message);
  }
  return 0;
}

export function historyCommand(ctx: Context, argv: string[]): number {
  const { flags, positionals } = parseArgs(argv, [{ key: 'help', names: ['--help'] }]);
  if (bool(flags, 'help')) {
    ctx.out('Usage: byhand history IMAGE\n\nShows how an image was made, newest step first: each step, and the layer it added (or none).\n');
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('history needs one image: byhand history IMAGE');
  let rows: string[][];
  try {
    const image = ctx.images.require(positionals[0]!);
    if (!image.digest) throw new Error(`${image.name} is a flat image from the set-up: it has one layer and no history`);
    const manifest = ctx.images.manifest(image.digest);
    const config = ctx.images.config(manifest);
    const layers = [...manifest.layers];
    rows = (config.history ?? []).map((h) => {
      const layer = h.empty_layer ? null : layers.shift();
      return [layer ? shortId(layer.digest) : '<none>', formatCreated(h.created ?? ''), (h.created_by ?? '').slice(0, 60), layer ? String(layer.size) : '0'];
    }).reverse();
  } catch (err) {
    throw new CommandError((err as Error).message);
  }
  ctx.out(`${'LAYER'.padEnd(15)}${'CREATED'.padEnd(27)}${'CREATED BY'.padEnd(62)}SIZE\n`);
  for (const [layer, created, by, size] of rows) ctx.out(`${layer!.padEnd(15)}${created!.padEnd(27)}${by!.padEnd(62)}${size}\n`);
  return 0;
}

export function imageInspectCommand(ctx: Context, argv: string[]): number {
  const { flags, positionals } = parseArgs(argv, [{ key: 'help', names: ['--help'] }]);
  if (bool(flags, 'help') || positionals.length === 0) {
    ctx.out('Usage: byhand image inspect IMAGE...\n\nPrints each image as JSON: its digest, config, and layers (as stored and as overlay lower dirs).\n');
    return positionals.length === 0 && !bool(flags, 'help') ? 125 : 0;
  }
  const out = positionals.map((name) => {
    try {
      const image = ctx.images.require(name);
      const manifest = image.digest ? ctx.images.manifest(image.digest) : null;
      return { ...image, manifest, ociConfig: manifest ? ctx.images.config(manifest) : null };
    } catch (err) {
      throw new CommandError((err as Error).message);
    }
  });
  ctx.out(`${JSON.stringify(out, null, 2)}\n`);
  return 0;
}

export function imageCommand(ctx: Context, argv: string[]): number {
  const [sub, ...rest] = argv;
  if (sub === 'inspect') return imageInspectCommand(ctx, rest);
  if (sub === 'history') return historyCommand(ctx, rest);
  if (sub === 'tag') return tagCommand(ctx, rest);
  throw new UsageError(`image ${sub ?? ''}: use byhand image inspect|history|tag`);
}
