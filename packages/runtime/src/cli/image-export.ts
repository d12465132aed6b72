/** `byhand export CONTAINER`: its file system, flattened, as one tarball. */
import { createReadStream, existsSync, rmSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { exportLayers } from '../images/export.js';
import { containerFiles } from '../lifecycle/files.js';
import { bool, parseArgs, str, UsageError } from './args.js';
import { CommandError, type Context } from './context.js';

export async function exportCommand(ctx: Context, argv: string[]): Promise<number> {
  const { flags, positionals } = parseArgs(argv, [{ key: 'help', names: ['--help'] }, { key: 'output', names: ['-o', '--output'], value: true }]);
  if (bool(flags, 'help')) {
    ctx.out('Usage: byhand export [-o FILE] CONTAINER\n\nWrites the container\'s file system, its layers and writable layer flattened into one, as a tarball to FILE or stdout.\n(byhand import FILE NAME makes it a one-layer image again.)\n');
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('export needs one container: byhand export -o FILE CONTAINER');
  const output = str(flags, 'output');
  if (!output && process.stdout.isTTY) throw new UsageError('export writes a tarball: give -o FILE or redirect stdout');
  const tmp = ctx.images.blobs.tempPath('export');
  const file = output ?? `${tmp}.tar`;
  try {
    const c = ctx.store.find(positionals[0]!);
    const upper = containerFiles(c.dir).upper;
    await exportLayers([...(existsSync(upper) ? [upper] : []), ...c.config.layers], tmp, file);
    if (!output) await pipeline(createReadStream(file), process.stdout);
  } catch (err) {
    throw new CommandError(`export: ${(err as Error).message}`);
  } finally {
    if (!output) rmSync(file, { force: true });
  }
  return 0;
}
