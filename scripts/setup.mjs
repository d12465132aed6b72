#!/usr/bin/env node
/**
 * One-command set-up: checks the machine, installs what is missing, builds the lab image, the
 * runtime and the site. Every step is cached, so a second run takes seconds.
 * Plain Node with no dependencies: it runs before `npm install`.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nativeBuildStep, npmInstallStep, webBuildStep } from './lib/builds.mjs';
import { importImagesStep } from './lib/images.mjs';
import { labImageStep, labPaths } from './lib/lab-image.mjs';
import { withSetupLock } from './lib/lock.mjs';
import { Reporter, StepError } from './lib/report.mjs';
import { toolsStep } from './lib/tools.mjs';
import { aptInstallCommand, missingPackages, readOsRelease, systemProblems, wantedPackages } from './lib/system.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stateDir = process.env.BYHAND_STATE_DIR || '/var/lib/byhand';

const USAGE = `Usage: node scripts/setup.mjs [--for-tests]

Prepares this machine to run Containers by Hand (run as root, on Debian or Ubuntu):
installs missing Debian packages, runs npm install, builds the runtime, the lab image
(in ${stateDir}/images/lab, set BYHAND_STATE_DIR to move it) and the site.
Each step is skipped when nothing it depends on has changed.

  --for-tests   also install Chromium, which the end-to-end tests drive
  --help        show this text
`;

function parseArgs(argv) {
  const options = { forTests: false };
  for (const arg of argv) {
    if (arg === '--for-tests') options.forTests = true;
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write(USAGE);
      process.exit(0);
    } else {
      process.stderr.write(`[setup] unknown option ${arg}\n\n${USAGE}`);
      process.exit(2);
    }
  }
  return options;
}

async function main({ forTests }) {
  const report = new Reporter();
  const wanted = wantedPackages({ forTests });
  let missing = [];

  await report.step('system check', () => {
    missing = missingPackages(wanted);
    const problems = systemProblems({
      platform: process.platform,
      nodeVersion: process.version,
      uid: process.getuid?.() ?? -1,
      os: readOsRelease(),
      missing,
    });
    if (problems.length > 0) throw new StepError(`this machine is not ready:\n  - ${problems.join('\n  - ')}`);
  });

  await report.step('Debian packages', async (ctx) => {
    if (missing.length === 0) return { status: 'cached' };
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    ctx.log(`installing ${missing.join(', ')}`);
    await ctx.run('apt-get', ['update'], { env });
    await ctx.run('apt-get', aptInstallCommand(missing).split(' ').slice(1), { env });
  });

  // First of the builds: the sandboxes (and whoever waits for them) need only this.
  await report.step('lab image', (ctx) =>
    labImageStep(ctx, { stateDir, recipePath: join(root, 'infra', 'images', 'lab', 'recipe.json') }),
  );
  await report.step('images', (ctx) => importImagesStep(ctx, { stateDir, labRootfs: labPaths(stateDir).rootfs }));
  await report.step('npm install', (ctx) => npmInstallStep(ctx, { root }));
  await report.step('native build', (ctx) => nativeBuildStep(ctx, { root }));
  await report.step('sandbox tools', (ctx) => toolsStep(ctx, { root, stateDir }));
  await report.step('web build', (ctx) => webBuildStep(ctx, { root }));
  report.log('[setup] ready');
}

const options = parseArgs(process.argv.slice(2));
withSetupLock(stateDir, () => main(options)).catch((err) => {
  // The reporter has already said which step failed and shown its output.
  if (!(err instanceof StepError)) console.error(`[setup] ${err.stack ?? err}`);
  process.exit(1);
});
