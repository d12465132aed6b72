/** Entry point: `tsx src/main.ts`. Reads the environment, serves, and cleans up on a signal. */
import { existsSync } from 'node:fs';
import { loadConfig } from './config.js';
import { stdoutLogger as log } from './log.js';
import { createAgent } from './server.js';

async function main(): Promise<void> {
  const config = loadConfig();
  if (!existsSync(config.rootfs)) {
    log('warning', { message: `the lab image is missing at ${config.rootfs}; sessions fail until \`npm run setup\` builds it` });
  }
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
