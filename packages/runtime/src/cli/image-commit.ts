/** `byhand commit CONTAINER NAME`: the container's writable layer becomes a new image. */
import { commitLayer } from '../images/commit.js';
import { containerFiles } from '../lifecycle/files.js';
import { bool, parseArgs, str, UsageError } from './args.js';
import { CommandError, type Context } from './context.js';
import { shortId } from './images.js';

const HELP = `Usage: byhand commit [-m MESSAGE] CONTAINER NAME

Makes image NAME from a container: its image's layers plus one more, the container's
writable (overlay upper) layer, with deletions as whiteouts. The original image is unchanged.
`;

export async function commitCommand(ctx: Context, argv: string[]): Promise<number> {
  const { flags, positionals } = parseArgs(argv, [{ key: 'help', names: ['--help'] }, { key: 'message', names: ['-m', '--message'], value: true }]);
  if (bool(flags, 'help')) {
    ctx.out(HELP);
    return 0;
  }
  if (positionals.length !== 2) throw new UsageError('commit needs a container and a name: byhand commit CONTAINER NAME');
  try {
    const c = ctx.store.find(positionals[0]!);
    if (!c.config.image) throw new Error(`container ${c.state.name} runs on --rootfs, not an image: there are no layers to add to`);
    const image = await commitLayer(ctx.images, {
      image: c.config.image,
      layers: c.config.layers,
      upper: containerFiles(c.dir).upper,
      names: [positionals[1]!],
      createdBy: `byhand commit ${c.state.name} (${c.config.command.join(' ')})`,
      comment: str(flags, 'message'),
    });
    ctx.out(`${image.name} ${shortId(image.id)}\n`);
  } catch (err) {
    throw new CommandError((err as Error).message);
  }
  return 0;
}
