/** `npm run bench`: every benchmark in turn, then the tables into bench/RESULTS.md. */
import { execSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { readFileSync, writeFileSync } from 'node:fs';
import { benchContainerStart } from './container-start.ts';
import { benchDensity } from './density.ts';
import { benchSandboxReady } from './sandbox-ready.ts';
import { benchTerminal } from './terminal.ts';

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, `
  + `Linux ${execSync('uname -r').toString().trim()}, Node ${process.version}`;
const sections = [await benchContainerStart(), await benchSandboxReady(), await benchTerminal(), await benchDensity(), site()];

/** The site's budget (bench/site.mjs), as printed by it. */
function site(): string {
  const out = execSync('node bench/site.mjs', { cwd: new URL('..', import.meta.url) }).toString().trim();
  console.log(out);
  return ['### Site (production server)', '', ...out.split('\n').map((l) => `- ${l}`), ''].join('\n');
}
const text = [
  '# Benchmark results',
  '',
  `Measured by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}, on ${machine}.`,
  '',
  ...sections,
].join('\n');
writeFileSync(new URL('RESULTS.md', import.meta.url), text);
// The README shows the latest tables, between two markers.
const readmeUrl = new URL('../README.md', import.meta.url);
const readme = readFileSync(readmeUrl, 'utf8');
const [start, end] = ['<!-- bench:start -->', '<!-- bench:end -->'];
if (readme.includes(start) && readme.includes(end)) {
  const body = text.replace(/^# Benchmark results\n\n/, '').replace(/^### /gm, '#### ');
  writeFileSync(readmeUrl, `${readme.slice(0, readme.indexOf(start) + start.length)}\n${body}\n${readme.slice(readme.indexOf(end))}`);
}
console.log('wrote bench/RESULTS.md and the benchmark section of README.md');
process.exit(0);
