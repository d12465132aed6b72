/** `byhand save` and `byhand load`: images to and from an OCI image layout tarball. */
import { createReadStream, createWriteStream, rmSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { loadImages, saveImages } from '../images/oci-layout.js';
import { bool, parseArgs, str, UsageError } from './args.js';
import { CommandError, type Context } from './context.js';
import { shortId } from './images.js';

export async function saveCommand(ctx: Context, argv: string[]): Promise<number> {
  const { flags, positionals } = parseArgs(argv, [{ key: 'help', names: ['--help'] }, { key: 'output', names: ['-o', '--output'], value: true }]);
  if (bool(flags, 'help')) {
    ctx.out('Usage: byhand save [-o FILE] IMAGE...\n\nWrites images as an OCI image layout tarball (with Docker\'s manifest.json too) to FILE or stdout.\n');
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('save needs at least one image: byhand save -o FILE IMAGE...');
  const output = str(flags, 'output');
  if (!output && process.stdout.isTTY) throw new UsageError('save writes a tarball: give -o FILE or redirect stdout');
  const file = output ?? ctx.images.blobs.tempPath('save-stdout');
  try {
    await saveImages(ctx.images, positionals, file);
    if (!output) await pipeline(createReadStream(file), process.stdout);
  } catch (err) {
    throw new CommandError(`save: ${(err as Error).message}`);
  } finally {
    if (!output) rmSync(file, { force: true });
  }
  return 0;
}

export async function loadCommand(ctx: Context, argv: string[]): Promise<number> {
  const { flags, positionals } = parseArgs(argv, [{ key: 'help', names: ['--help'] }, { key: 'input', names: ['-i', '--input'], value: true }]);
  if (bool(flags, 'help')) {
    ctx.out('Usage: byhand load [-i FILE]\n\nLoads the images of an OCI image layout tarball or a docker save archive, from FILE or stdin.\n');
    return 0;
  }
  if (positionals.length > 0) throw new UsageError('load takes the archive with -i FILE (or on stdin)');
  const input = str(flags, 'input');
  const file = input ?? ctx.images.blobs.tempPath('load-stdin');
  try {
    if (!input) await pipeline(process.stdin, createWriteStream(file));
    for (const image of await loadImages(ctx.images, file)) ctx.out(`Loaded image: ${image.name} (${shortId(image.id)})\n`);
  } catch (err) {
    throw new CommandError(`load: ${(err as Error).message}`);
  } finally {
    if (!input) rmSync(file, { force: true });
  }
  return 0;
}
