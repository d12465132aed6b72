/** `byhand pull REF`: an image from a registry, one progress line per layer. */
import { Progress } from '../images/progress.js';
import { pull } from '../images/pull.js';
import { bool, parseArgs, UsageError } from './args.js';
import { CommandError, type Context } from './context.js';

const HELP = `Usage: byhand pull REF

Fetches an image from a registry speaking the distribution API: REF is
[REGISTRY[:PORT]/]REPOSITORY[:TAG|@DIGEST]; without a registry, Docker Hub (busybox = docker.io/library/busybox:latest).
Registries on loopback and those in BYHAND_INSECURE_REGISTRIES (host:port,…) are plain http; others https.
An interrupted pull resumes where it stopped.
`;

export async function pullCommand(ctx: Context, argv: string[]): Promise<number> {
  const { flags, positionals } = parseArgs(argv, [{ key: 'help', names: ['--help'] }]);
  if (bool(flags, 'help')) {
    ctx.out(HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('pull needs one image reference: byhand pull REF');
  try {
    const image = await pull(ctx.images, positionals[0]!, new Progress(process.stdout));
    ctx.out(`Pulled ${image.name}\n`);
  } catch (err) {
    throw new CommandError(`pull ${positionals[0]}: ${(err as Error).message}`);
  }
  return 0;
}
