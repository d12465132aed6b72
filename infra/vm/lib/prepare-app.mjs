#!/usr/bin/env node
/**
 * Run by lib/classroom.mjs on the host, in a private mount namespace where the checkout's copy
 * is mounted at /opt/byhand/app (where provisioning puts the app in the VM): brings its npm
 * packages, native helper and site up to date with scripts/setup.mjs's own steps. The set-up's
 * cache keys include the absolute path, so built here they are current in the VM too, and the
 * VM (no network, emulated CPU) skips the three steps it could not or should not do itself.
 */
import { nativeBuildStep, npmInstallStep, webBuildStep } from '../../../scripts/lib/builds.mjs';
import { Reporter, StepError } from '../../../scripts/lib/report.mjs';

const root = process.cwd();
const report = new Reporter();
try {
  await report.step('npm install', (ctx) => npmInstallStep(ctx, { root }));
  await report.step('native build', (ctx) => nativeBuildStep(ctx, { root }));
  await report.step('web build', (ctx) => webBuildStep(ctx, { root }));
} catch (err) {
  if (!(err instanceof StepError)) console.error(err.stack ?? err);
  process.exitCode = 1;
}
