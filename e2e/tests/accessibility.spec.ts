/** Accessibility (axe-core) and privacy: pages have no serious a11y violations and stay on localhost. */
import { createRequire } from 'node:module';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.js';

const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[] }>;
}

async function seriousViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: axePath });
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: AxeViolation[] }> } }).axe;
    // The terminal's canvas is xterm.js's own widget; everything around it is ours.
    return (await axe.run({ exclude: [['.xterm-screen']] }, { resultTypes: ['violations'] })).violations;
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact}: ${v.id} (${v.help}) at ${v.nodes.length} elements, e.g. ${v.nodes.slice(0, 2).map((n) => n.target.join(' ')).join(', ')}`);
}

for (const scheme of ['light', 'dark'] as const) {
  test(`the course map and a lesson have no serious accessibility violations (${scheme})`, async ({ page }) => {
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto('/');
    expect(await seriousViolations(page)).toEqual([]);
    await page.goto('/lessons/02-namespaces');
    await expect(page.getByTestId('terminal')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
    expect(await seriousViolations(page)).toEqual([]);
  });
}

test('the lesson page is usable with the keyboard alone', async ({ page }) => {
  await page.goto('/lessons/02-namespaces');
  await expect(page.getByTestId('terminal')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  // Through the table of contents to a section.
  const toc = page.getByRole('navigation', { name: 'On this page' });
  await toc.getByRole('link', { name: 'Recap' }).focus();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/#recap$/);
  // Every button can take focus and shows where it is.
  const run = page.getByRole('button', { name: /^Run in the terminal: hostname$/ }).first();
  await run.focus();
  await expect(run).toBeFocused();
  const outline = await run.evaluate((el) => getComputedStyle(el).outlineStyle);
  expect(outline).not.toBe('none');
});

test('a page view makes no request beyond localhost', async ({ page }) => {
  const outside: string[] = [];
  page.on('request', (request) => {
    const { hostname, protocol } = new URL(request.url());
    if (protocol === 'data:' || protocol === 'blob:') return;
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(hostname)) outside.push(request.url());
  });
  page.on('websocket', (ws) => {
    const { hostname } = new URL(ws.url());
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(hostname)) outside.push(ws.url());
  });
  await page.goto('/');
  await page.getByRole('link', { name: /Namespaces/ }).click();
  await expect(page.getByTestId('terminal')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  await page.mouse.wheel(0, 5000);
  await page.waitForLoadState('networkidle');
  expect(outside).toEqual([]);
});
