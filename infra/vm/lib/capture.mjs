/** Runs a command and returns what it printed on stdout; an error carries its stderr. */
import { execFile } from 'node:child_process';

export function capture(file, args, { cwd, env } = {}) {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd, env, encoding: 'utf8', maxBuffer: 256 * 2 ** 20 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const hint = err.code === 'ENOENT' ? ` (is ${file} installed?)` : '';
      reject(Object.assign(new Error(`\`${file} ${args.join(' ')}\` failed${hint}: ${stderr.trim() || err.message}`), { tail: stderr.trim().split('\n').slice(-20) }));
    });
  });
}
