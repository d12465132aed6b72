/** What every command gets: the state and image stores, and where to write. */
import { ImageStore } from '../images/store.js';
import { StateStore } from '../state.js';

export interface Context {
  stateDir: string;
  store: StateStore;
  images: ImageStore;
  /** --explain: print each step as the command a learner would type. */
  explain: boolean;
  out: (text: string) => void;
  err: (text: string) => void;
  /** The command line that starts this CLI again (for the detached monitor). */
  self: { file: string; args: string[] };
}

export function makeContext(stateDir: string, explain: boolean): Context {
  return {
    stateDir,
    store: new StateStore(stateDir),
    images: new ImageStore(stateDir),
    explain,
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    self: { file: process.execPath, args: [...loaderArgs(process.execArgv), process.argv[1]!] },
  };
}

/** Only the flags that load code (tsx's loader), never -e/-p: those would run again. */
function loaderArgs(execArgv: string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i]!;
    if (/^--(import|require|loader|experimental-loader)=/.test(arg)) kept.push(arg);
    else if (/^--(import|require|loader|experimental-loader)$/.test(arg) && execArgv[i + 1]) kept.push(arg, execArgv[++i]!);
  }
  return kept;
}

/** An error that ends the command with this exit code (125: the runtime's own error). */
export class CommandError extends Error {
  constructor(message: string, readonly code = 125) {
    super(message);
  }
}
