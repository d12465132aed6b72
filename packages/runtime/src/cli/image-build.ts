/** `byhand build [-t NAME] [-f Dockerfile] CONTEXT`; RUN steps run as `byhand run` containers. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, type RunStep } from '../images/build.js';
import { containerFiles } from '../lifecycle/files.js';
import { bool, parseArgs, str, UsageError } from './args.js';
import { CommandError, type Context } from './context.js';
import { shortId } from './images.js';

const HELP = `Usage: byhand build [-t NAME] [-f DOCKERFILE] CONTEXT

Builds an image from a Dockerfile (default CONTEXT/Dockerfile): FROM, RUN, COPY, ADD (local
files), ENV, WORKDIR, CMD, ENTRYPOINT, LABEL, EXPOSE. Each step is cached by its parent image,
its text and the files it copies: a changed step and every step after it run again.
`;

/** The CLI itself, against the same state directory, its output passed through unless quiet. */
function cli(ctx: Context, args: string[], quiet = false): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(ctx.self.file, [...ctx.self.args, '--state', ctx.stateDir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d: Buffer) => { if (!quiet) ctx.out(d.toString()); });
    child.stderr.on('data', (d: Buffer) => { if (!quiet) ctx.err(d.toString()); });
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 125));
  });
}

function runStep(ctx: Context): RunStep {
  return async (image, command) => {
    const name = `byhand-build-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    ctx.out(` ---> Running in ${name}\n`);
    const code = await cli(ctx, ['run', '--name', name, '--entrypoint=', image, ...command]);
    const remove = async () => { await cli(ctx, ['rm', '-f', name], true); };
    if (code !== 0) {
      await remove();
      throw new Error(`RUN ${command.join(' ')} exited with ${code}`);
    }
    const c = ctx.store.find(name);
    return { layers: c.config.layers, upper: containerFiles(c.dir).upper, remove };
  };
}

export async function buildCommand(ctx: Context, argv: string[]): Promise<number> {
  const { flags, positionals } = parseArgs(argv, [
    { key: 'help', names: ['--help'] }, { key: 'tag', names: ['-t', '--tag'], value: true }, { key: 'file', names: ['-f', '--file'], value: true },
  ]);
  if (bool(flags, 'help')) {
    ctx.out(HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('build needs a context directory: byhand build [-t NAME] DIR');
  const context = positionals[0]!;
  const file = str(flags, 'file') ?? join(context, 'Dockerfile');
  let dockerfile: string;
  try {
    dockerfile = readFileSync(file, 'utf8');
  } catch {
    throw new CommandError(`cannot read ${file}: give the Dockerfile with -f FILE or put one in ${context}`);
  }
  try {
    const tag = str(flags, 'tag') ?? null;
    const image = await build(ctx.images, { context, dockerfile, tag, run: runStep(ctx), out: (line) => ctx.out(`${line}\n`) });
    ctx.out(`Successfully built ${shortId(image.id)}\n`);
    if (tag) ctx.out(`Successfully tagged ${image.name}\n`);
  } catch (err) {
    throw new CommandError(`build: ${(err as Error).message}`);
  }
  return 0;
}
