/** The sandbox agent as a library (for tests and embedding); `src/main.ts` runs it as a service. */
export { createAgent, type Agent, type AgentConfig, MAX_BODY_BYTES } from './server.js';
export { loadConfig, DEFAULT_MAX_SESSIONS } from './config.js';
export { TOKEN_TTL_MS, IDLE_TIMEOUT_MS, MAX_LIFETIME_MS, DEFAULT_MAX_SESSIONS_PER_CLIENT } from './sessions.js';
export { CHECK_TIMEOUT_MS, CHECK_OUTPUT_LIMIT } from './checks.js';
export { SCROLLBACK_LINES } from './screen.js';
export { HIGH_WATER_BYTES, LOW_WATER_BYTES } from './flow.js';
export { stdoutLogger, type Logger } from './log.js';
