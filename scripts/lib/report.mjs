/**
 * Prints set-up steps as "[setup] <step> ... done (1.2 s)" / "... cached", keeping that line
 * readable when a step streams command output in between.
 */
import { runCommand } from './run.mjs';

/** A failure with the last lines of the command that caused it (shown to the user). */
export class StepError extends Error {
  constructor(message, tail = []) {
    super(message);
    this.tail = tail;
  }
}

export class Reporter {
  constructor(out = process.stdout) {
    this.out = out;
    this.lineOpen = false;
  }

  /** Ends a half-written "[setup] step ..." line so that streamed output starts on its own. */
  breakLine() {
    if (this.lineOpen) this.out.write('\n');
    this.lineOpen = false;
  }

  log(line) {
    this.breakLine();
    this.out.write(`${line}\n`);
  }

  /**
   * Runs one step. fn gets {log, run} and returns {status: 'done'|'cached'|'skipped', note?}.
   * Returns that result; throws StepError (after printing it) when the step fails.
   */
  async step(name, fn) {
    const started = performance.now();
    this.out.write(`[setup] ${name} ...`);
    this.lineOpen = true;
    const ctx = {
      log: (line) => this.log(`    ${line}`),
      run: (file, args, options = {}) => {
        this.breakLine();
        return runCommand(file, args, { ...options, out: this.out });
      },
    };
    let result;
    try {
      result = (await fn(ctx)) ?? { status: 'done' };
    } catch (err) {
      this.finish(name, `FAILED (${seconds(started)})`);
      this.printFailure(name, err);
      throw err instanceof StepError ? err : new StepError(err.message);
    }
    const word = result.status === 'done' ? `done (${seconds(started)})` : result.status;
    this.finish(name, result.note ? `${word}: ${result.note}` : word);
    return result;
  }

  finish(name, outcome) {
    if (this.lineOpen) this.out.write(` ${outcome}\n`);
    else this.out.write(`[setup] ${name} ... ${outcome}\n`);
    this.lineOpen = false;
  }

  printFailure(name, err) {
    this.out.write(`[setup] the step "${name}" failed: ${err.message}\n`);
    const tail = err.tail ?? [];
    if (tail.length > 0) {
      this.out.write(`[setup] last ${tail.length} lines of its output:\n`);
      for (const line of tail) this.out.write(`    | ${line}\n`);
    }
  }
}

function seconds(started) {
  return `${((performance.now() - started) / 1000).toFixed(1)} s`;
}
