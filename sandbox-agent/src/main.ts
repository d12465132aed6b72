/** Entry point: `tsx src/main.ts`. Reads the environment, serves, and cleans up on a signal. */
import { existsSync } from 'node:fs';
import { loadConfig } from './config.js';
import { applyConfigFile } from './settings-file.js';
import { removeLeftoverTraces } from './trace.js';
import { removeLeftoverCgroups } from './limits.js';
import { stdoutLogger as log } from './log.js';
import { protectFromOomKiller } from './oom.js';
import { createAgent } from './server.js';

async function main(): Promise<void> {
  // Into process.env: the shared settings (port, secret, lab image) are read from there.
  applyConfigFile(process.env);
  const config = loadConfig();
  protectFromOomKiller(log);
  if (!existsSync(config.rootfs)) {
    log('warning', { message: `the lab image is missing at ${config.rootfs}; sessions fail until \`npm run setup\` builds it` });
  }
  await removeLeftoverCgroups(config.cgroupPrefix, log);
  const traces = removeLeftoverTraces(config.runDir);
  if (traces.length) log('removed leftover session files', { count: traces.length, names: traces.join(',') });
  const agent = createAgent({ ...config, log });
  const shutdown = async (signal: NodeJS.Signals) => {
    log('shutting down', { signal, sessions: agent.sessions.size });
    await agent.close();
    log('stopped');
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  await agent.listen();
}

main().catch((err: unknown) => {
  process.stderr.write(`sandbox-agent: ${(err as Error).message}\n`);
  process.exit(1);
});
