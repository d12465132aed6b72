import { defineConfig } from '@playwright/test';

/* Loopback only, on ports of their own, so the tests can run while `npm start` serves 3000/3001. */
export const WEB_PORT = Number(process.env.BYHAND_E2E_WEB_PORT ?? 3200);
export const AGENT_PORT = Number(process.env.BYHAND_E2E_AGENT_PORT ?? 3201);
/*
 * BYHAND_E2E_BASE_URL: test a site that is already running elsewhere (the classroom VM test
 * points it at a provisioned VM) instead of starting the agent and the site here.
 */
export const EXTERNAL_SITE = process.env.BYHAND_E2E_BASE_URL;
/** Learners behind one address that the local agent admits before its flood guard answers. */
export const CLASS_SIZE = 30;
const env = { ...process.env, BYHAND_AGENT_PORT: String(AGENT_PORT), BYHAND_AGENT_HOST: '127.0.0.1',
  // Every test browses from 127.0.0.1 and opens sandboxes faster than a learner reads: lift the
  // creation rates, per learner and per address, meant for a classroom.
  BYHAND_SESSION_RATE: '1000', BYHAND_CLIENT_SESSION_RATE: '1000',
  // A class of 30 behind one address fits; the 31st learner meets the flood guard (learners.spec.ts).
  BYHAND_MAX_SESSIONS_PER_CLIENT: String(CLASS_SIZE),
  NEXT_TELEMETRY_DISABLED: '1' } as Record<string, string>;

export default defineConfig({
  testDir: 'tests',
  timeout: 120_000,
  expect: { timeout: 15_000 },
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: EXTERNAL_SITE ?? `http://127.0.0.1:${WEB_PORT}`,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      // Debian's Chromium: Playwright must never download a browser of its own.
      executablePath: '/usr/bin/chromium',
      args: ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
  },
  webServer: EXTERNAL_SITE ? [] : [
    {
      command: 'npm run start -w @byhand/sandbox-agent',
      cwd: '..',
      url: `http://127.0.0.1:${AGENT_PORT}/healthz`,
      env,
      reuseExistingServer: false,
      stdout: 'pipe',
      timeout: 30_000,
    },
    {
      command: `npx next start -H 127.0.0.1 -p ${WEB_PORT}`,
      cwd: '../apps/web',
      url: `http://127.0.0.1:${WEB_PORT}/`,
      env,
      reuseExistingServer: false,
      stdout: 'pipe',
      timeout: 120_000,
    },
  ],
});
