import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from '@playwright/test';
import { stateDir } from '@byhand/protocol/config';

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

/**
 * A second class, with an access code: its own agent and site, on ports and in a state directory
 * of their own (the lab image is shared, read-only), for access-code.spec.ts.
 */
export const CODE_WEB_PORT = WEB_PORT + 2;
const CODE_AGENT_PORT = WEB_PORT + 3;
export const CLASS_ACCESS_CODE = 'owl-42';
const codeEnv = {
  ...env,
  BYHAND_AGENT_PORT: String(CODE_AGENT_PORT),
  BYHAND_ACCESS_CODE: CLASS_ACCESS_CODE,
  BYHAND_LAB_IMAGE: process.env.BYHAND_LAB_IMAGE || join(stateDir(), 'images', 'lab', 'rootfs'),
  // The same directory every run (the agent clears its sessions there at start), so none pile up.
  BYHAND_STATE_DIR: join(tmpdir(), `byhand-e2e-access-code-${CODE_AGENT_PORT}`),
};

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
    {
      command: 'npm run start -w @byhand/sandbox-agent',
      cwd: '..',
      url: `http://127.0.0.1:${CODE_AGENT_PORT}/healthz`,
      env: codeEnv,
      reuseExistingServer: false,
      timeout: 30_000,
    },
    {
      command: `npx next start -H 127.0.0.1 -p ${CODE_WEB_PORT}`,
      cwd: '../apps/web',
      url: `http://127.0.0.1:${CODE_WEB_PORT}/`,
      env: codeEnv,
      reuseExistingServer: false,
      timeout: 120_000,
    },
  ],
});
