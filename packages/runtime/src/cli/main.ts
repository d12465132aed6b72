/** The `byhand` command line: `byhand [--explain] [--state DIR] COMMAND [ARG...]`. */
import { UsageError } from './args.js';
import { CommandError, makeContext, type Context } from './context.js';
import { builderCommand, imagesCommand, importCommand, rmiCommand } from './images.js';
import { buildCommand } from './image-build.js';
import { commitCommand } from './image-commit.js';
import { exportCommand } from './image-export.js';
import { pullCommand } from './image-pull.js';
import { loadCommand, saveCommand } from './image-save.js';
import { historyCommand, imageCommand, tagCommand } from './image-tag.js';
import { gcCommand, killCommand, pauseCommand, psCommand, rmCommand, stopCommand } from './manage.js';
import { execCommand, inspectCommand, logsCommand, statsCommand, topCommand } from './observe.js';
import { networkCommand } from './network.js';
import { ociCommand } from './oci.js';
import { createCommand, monitorCommand, runCommand, startCommand } from './run.js';
import { defaultStateDir } from '../state.js';

type Command = (ctx: Context, argv: string[]) => number | Promise<number>;

const COMMANDS: Record<string, Command> = {
  run: runCommand,
  create: createCommand,
  start: startCommand,
  ps: psCommand,
  exec: execCommand,
  stop: stopCommand,
  kill: killCommand,
  rm: rmCommand,
  logs: logsCommand,
  inspect: inspectCommand,
  top: topCommand,
  stats: statsCommand,
  pause: (ctx, argv) => pauseCommand(ctx, argv, true),
  unpause: (ctx, argv) => pauseCommand(ctx, argv, false),
  import: importCommand,
  images: imagesCommand,
  rmi: rmiCommand,
  pull: pullCommand,
  tag: tagCommand,
  history: historyCommand,
  image: imageCommand,
  commit: commitCommand,
  save: saveCommand,
  load: loadCommand,
  export: exportCommand,
  build: buildCommand,
  builder: builderCommand,
  gc: gcCommand,
  network: networkCommand,
  oci: ociCommand,
  __monitor: monitorCommand,
};

const HELP = `Usage: byhand [--explain] [--state DIR] COMMAND [ARG...]

A container runtime made to be read: every step is a system call you can look up.

Containers:  run, create, start, ps, exec, stop, kill, rm, logs, inspect, top, stats, pause, unpause, gc
Images:      pull, images, image inspect, history, tag, rmi, build, builder prune, commit, save, load,
             export, import
Networks:    network create|ls|rm
OCI:         oci spec|create|start|state|kill|delete|run

  --explain     print each step as the system call or command that does it by hand
  --state DIR   where containers and images live (default $BYHAND_STATE_DIR or /var/lib/byhand)

Run byhand COMMAND --help for a command's options.
`;

export async function main(argv: string[]): Promise<number> {
  let explain = false;
  let stateDir = defaultStateDir();
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--explain') explain = true;
    else if (arg === '--state') stateDir = argv[++i] ?? '';
    else if (arg.startsWith('--state=')) stateDir = arg.slice(8);
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write(HELP);
      return 0;
    } else if (arg.startsWith('-')) {
      process.stderr.write(`byhand: unknown flag ${arg}\nSee 'byhand --help'.\n`);
      return 125;
    } else break;
  }
  const [name, ...rest] = argv.slice(i);
  const command = name ? COMMANDS[name] : undefined;
  if (!name || !command) {
    process.stderr.write(name ? `byhand: unknown command ${name}\nSee 'byhand --help'.\n` : HELP);
    return 125;
  }
  if (!stateDir) {
    process.stderr.write('byhand: --state needs a directory\n');
    return 125;
  }
  try {
    return await command(makeContext(stateDir, explain), rest);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const hint = err instanceof UsageError ? `\nSee 'byhand ${name} --help'.` : '';
    process.stderr.write(`byhand: ${message}${hint}\n`);
    return err instanceof CommandError ? err.code : 125;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
}, (err: unknown) => {
  process.stderr.write(`byhand: ${String(err)}\n`);
  process.exitCode = 125;
});
