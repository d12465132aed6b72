/** The site's own defences in the browser: a Content-Security-Policy that the pages keep to, no framing. */
import { expect, test } from './fixtures.js';
import { openLesson, run } from './terminal.js';

test('a lesson page works under its Content-Security-Policy, with no violation reported', async ({ page }) => {
  const violations: string[] = [];
  page.on('console', (msg) => {
    if (/Content Security Policy|Refused to/i.test(msg.text())) violations.push(msg.text());
  });
  const response = await page.goto('/lessons/02-namespaces');
  const policy = response?.headers()['content-security-policy'] ?? '';
  expect(policy).toContain("frame-ancestors 'none'");
  expect(policy).toContain("default-src 'self'");
  expect(response?.headers()['x-frame-options']).toBe('DENY');
  await openLesson(page, '02-namespaces');
  expect(await run(page, 'echo under-csp')).toEqual(['under-csp']);
  await page.goto('/');
  expect(violations).toEqual([]);
});

test('another page cannot frame a lesson', async ({ page, baseURL }) => {
  const refused: string[] = [];
  page.on('console', (msg) => {
    if (/frame-ancestors|Refused to (display|frame)/i.test(msg.text())) refused.push(msg.text());
  });
  // A page of another origin (about:blank's opaque one) that frames the lesson.
  await page.setContent(`<iframe src="${baseURL}/lessons/02-namespaces" width="800" height="600"></iframe>`);
  await expect.poll(() => refused.length, { message: 'Chromium refuses to show the framed lesson' }).toBeGreaterThan(0);
  const frame = page.frames().find((f) => f !== page.mainFrame());
  expect(await frame?.locator('[data-testid="terminal"]').count()).toBe(0);
});
