/** A lesson's link to the runtime's source opens the file, highlighted, on the course's own server. */
import { expect, test } from './fixtures.js';

test('a lesson links to the runtime file that does the same, served and highlighted by the site', async ({ page }) => {
  await page.goto('/lessons/04-rootfs');
  await page.getByRole('link', { name: 'packages/runtime/native/rootfs.c' }).first().click();
  await expect(page).toHaveURL(/\/source\/packages\/runtime\/native\/rootfs\.c$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('packages/runtime/native/rootfs.c');
  const code = page.getByTestId('source-code');
  await expect(code).toContainText('pivot_root');
  // Highlighted: shiki gave the tokens colours of their own.
  expect(await code.locator('span[style*="--shiki-light"]').count()).toBeGreaterThan(10);

  await page.getByRole('heading', { level: 1 }).getByRole('link', { name: 'native' }).click();
  await expect(page.getByTestId('source-listing')).toContainText('overlay.c');

  const outside = await page.request.get('/source/package.json');
  expect(outside.status(), 'nothing outside the runtime and agent source is served').toBe(404);
});
