/** The lesson page is usable on a phone, on a 1024 px projector and on a wide screen. */
import type { Locator, Page } from '@playwright/test';
import { expect, test } from './fixtures.js';
import { openLesson, screen } from './terminal.js';

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

const VIEWPORTS = [
  { width: 390, height: 844, layout: 'stacked', minCols: 40 },
  { width: 1024, height: 768, layout: 'stacked', minCols: 80 },
  { width: 1440, height: 900, layout: 'side-by-side', minCols: 80 },
] as const;

async function box(locator: Locator): Promise<Box> {
  const b = await locator.boundingBox();
  expect(b, 'the element is rendered').not.toBeNull();
  return b!;
}

const overlaps = (a: Box, b: Box) =>
  a.x < b.x + b.width - 0.5 && b.x < a.x + a.width - 0.5 && a.y < b.y + b.height - 0.5 && b.y < a.y + a.height - 0.5;

function insideViewport(page: Page, b: Box): boolean {
  const v = page.viewportSize()!;
  return b.x >= -0.5 && b.y >= -0.5 && b.x + b.width <= v.width + 0.5 && b.y + b.height <= v.height + 0.5;
}

for (const vp of VIEWPORTS) {
  test(`a ${vp.width}x${vp.height} viewport shows the text and a usable terminal side by side or stacked`, async ({ page }, testInfo) => {
    await page.setViewportSize({ width: vp.width, height: vp.height });
    await openLesson(page, '02-namespaces');
    await expect(page.getByTestId('lesson-layout')).toHaveAttribute('data-layout', vp.layout);

    const text = await box(page.getByTestId('lesson-text'));
    const pane = await box(page.getByTestId('terminal-pane'));
    const divider = await box(page.getByRole('separator'));
    expect(overlaps(text, pane), 'text and terminal do not overlap').toBe(false);
    expect(overlaps(text, divider) || overlaps(divider, pane), 'the divider sits between them').toBe(false);
    for (const b of [text, pane, divider]) expect(insideViewport(page, b), 'every pane is on screen').toBe(true);
    expect(text.height, 'enough lesson text to read').toBeGreaterThanOrEqual(250);
    expect(pane.height, 'enough terminal to work in').toBeGreaterThanOrEqual(250);
    expect(text.width).toBeGreaterThanOrEqual(vp.layout === 'stacked' ? vp.width - 1 : 500);
    const cols = await page.evaluate(() => window.__byhandTerminals?.['1']?.cols ?? 0);
    expect(cols, `the terminal has at least ${vp.minCols} columns`).toBeGreaterThanOrEqual(vp.minCols);
    await expect(page.getByRole('heading', { name: 'By the end you can' })).toBeVisible();
    await expect(page.getByRole('navigation', { name: 'On this page' })).toBeVisible();

    // Run a step from deep in the text: the terminal stays in view and shows the output.
    const step = page.locator('[data-step-command="unshare --ipc ipcs -q"]');
    await step.scrollIntoViewIfNeeded();
    await step.getByRole('button', { name: /^Run in the terminal/ }).click();
    expect(insideViewport(page, await box(page.getByTestId('terminal-pane'))), 'the terminal is still on screen after Run').toBe(true);
    await expect.poll(() => screen(page)).toMatch(/Message Queues/);

    const shot = testInfo.outputPath(`lesson-${vp.width}x${vp.height}.png`);
    await page.screenshot({ path: shot });
    await testInfo.attach(`lesson at ${vp.width}x${vp.height}`, { path: shot, contentType: 'image/png' });
  });
}

test('the divider moves with the keyboard and with the pointer, and the terminal refits', async ({ page }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await openLesson(page, '02-namespaces');
  const divider = page.getByRole('separator');
  const cols = () => page.evaluate(() => window.__byhandTerminals?.['1']?.cols ?? 0);
  const before = await cols();

  await divider.focus();
  await expect(divider).toHaveAttribute('aria-valuenow', '50');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await expect(divider).toHaveAttribute('aria-valuenow', '60');
  await expect.poll(cols, { message: 'a narrower terminal has fewer columns' }).toBeLessThan(before);
  await page.keyboard.press('Home');
  await expect(divider).toHaveAttribute('aria-valuenow', '25');

  const d = await box(divider);
  await page.mouse.move(d.x + d.width / 2, d.y + d.height / 2);
  await page.mouse.down();
  await page.mouse.move(1440 * 0.7, d.y + d.height / 2, { steps: 5 });
  await page.mouse.up();
  await expect(divider).toHaveAttribute('aria-valuenow', /^(69|70|71)$/);
  const text = await box(page.getByTestId('lesson-text'));
  expect(Math.abs(text.width - 1440 * 0.7)).toBeLessThan(20);

  // The split is remembered.
  await page.reload();
  await expect(page.getByRole('separator')).toHaveAttribute('aria-valuenow', /^(69|70|71)$/);
});
