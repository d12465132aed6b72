/** Runs a command, streaming its output indented, and keeps its last lines for error reports. */
import { spawn } from 'node:child_process';

const TAIL_LINES = 20;

/**
 * Resolves when the command exits 0; rejects with an Error carrying `tail` (its last output
 * lines) otherwise. Options: cwd, env, out (a writable stream), quiet (do not stream).
 */
export function runCommand(file, args, { cwd, env, out = process.stdout, quiet = false } = {}) {
  const shown = [file, ...args].join(' ');
  return new Promise((resolve, reject) => {
    const tail = [];
    const onLine = (line) => {
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
      if (!quiet) out.write(`    ${line}\n`);
    };
    const child = spawn(file, args, { cwd, env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    splitLines(child.stdout, onLine);
    splitLines(child.stderr, onLine);
    child.on('error', (err) => {
      const hint = err.code === 'ENOENT' ? ` (is ${file} installed and on PATH?)` : '';
      reject(Object.assign(new Error(`could not run \`${shown}\`: ${err.message}${hint}`), { tail }));
    });
    child.on('close', (code, signal) => {
      if (code === 0) return resolve({ tail });
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      reject(Object.assign(new Error(`\`${shown}\` ${how}`), { tail }));
    });
  });
}

/** Calls onLine for each line; progress bars that redraw with \r count as lines too. */
export function splitLines(stream, onLine) {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    const parts = (pending + chunk).split(/\r\n|\n|\r/);
    pending = parts.pop();
    for (const part of parts) if (part.trim() !== '') onLine(part);
  });
  stream.on('end', () => {
    if (pending.trim() !== '') onLine(pending);
  });
}
