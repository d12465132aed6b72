/** The terminal panel: reattach on reload, reconnect, restart, takeover, tabs, copy and paste. */
import { expect, test } from './fixtures.js';
import { openLesson, run, runIn, screen, screenOf } from './terminal.js';

const sessionId = (page: import('@playwright/test').Page) => page.evaluate(() => window.__byhandTerminal?.sessionId ?? '');

test('a reload reattaches to the same shell, with its screen redrawn', async ({ page }) => {
  await openLesson(page, '02-namespaces');
  await run(page, 'export LESSON_MARK=kept-across-reload');
  const [pid] = await run(page, 'echo $$');
  const id = await sessionId(page);

  await page.reload();
  await expect(page.getByTestId('terminal')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  expect(await sessionId(page)).toBe(id);
  // The snapshot brings back what the screen showed before the reload.
  await expect.poll(() => screen(page)).toContain('export LESSON_MARK=kept-across-reload');
  await page.getByTestId('terminal').click();
  expect(await run(page, 'echo $LESSON_MARK $$')).toEqual([`kept-across-reload ${pid}`]);
});

test('a dropped connection reconnects by itself to the same shell', async ({ page }) => {
  // Every terminal connection goes through the test, which can cut it like a flaky network.
  const cut: Array<() => Promise<void>> = [];
  await page.routeWebSocket(/\/tty\?/, (ws) => {
    ws.connectToServer();
    cut.push(() => ws.close({ code: 4999, reason: 'network dropped (test)' }));
  });
  await openLesson(page, '02-namespaces');
  await run(page, 'export LESSON_MARK=survives-a-drop');
  const id = await sessionId(page);
  await cut.at(-1)!();
  await expect(page.getByTestId('terminal')).toHaveAttribute('data-state', 'reconnecting');
  await expect(page.getByTestId('terminal')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  expect(cut.length, 'a second connection was made').toBe(2);
  expect(await sessionId(page)).toBe(id);
  await page.getByTestId('terminal').click();
  expect(await run(page, 'echo $LESSON_MARK')).toEqual(['survives-a-drop']);
});

test('Restart replaces the sandbox with a fresh one', async ({ page }) => {
  await openLesson(page, '02-namespaces');
  await run(page, 'touch /root/from-the-old-sandbox');
  const before = await sessionId(page);
  await page.getByRole('button', { name: 'Restart' }).click();
  await expect.poll(() => sessionId(page)).not.toBe(before);
  await expect(page.getByTestId('terminal')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  await expect.poll(() => screen(page)).toMatch(/#\s*$/m);
  await page.getByTestId('terminal').click();
  expect(await run(page, 'ls /root/from-the-old-sandbox 2>/dev/null || echo gone')).toEqual(['gone']);
  // A reload now resumes the new sandbox, not the old one.
  await page.reload();
  await expect(page.getByTestId('terminal')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  expect(await sessionId(page)).not.toBe(before);
});

test('a second window takes the terminal over; Reconnect takes it back', async ({ page, context }) => {
  await openLesson(page, '02-namespaces');
  const id = await sessionId(page);
  const other = await context.newPage();
  // The same browser tab's session, as if the learner duplicated the tab.
  await other.addInitScript((sid) => sessionStorage.setItem('byhand:session:02-namespaces', sid), id);
  await openLesson(other, '02-namespaces');
  expect(await sessionId(other)).toBe(id);

  const terminal = page.getByTestId('terminal');
  await expect(terminal).toHaveAttribute('data-state', 'ended');
  await expect(terminal.getByRole('status')).toContainText('open in another tab');
  await terminal.getByRole('button', { name: 'Reconnect' }).click();
  await expect(terminal).toHaveAttribute('data-state', 'ready');
  await expect(other.getByTestId('terminal')).toHaveAttribute('data-state', 'ended');
});

test('a command copied from a step and pasted with Ctrl+Shift+V runs', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await openLesson(page, '02-namespaces');
  const step = page.locator('[data-step-command="ls -l /proc/self/ns"]');
  await step.getByRole('button', { name: /^Copy/ }).click();
  await expect(step.getByRole('button', { name: /^Copy/ })).toHaveText('Copied');
  await page.getByTestId('terminal').click();
  await page.keyboard.press('Control+Shift+V');
  await page.keyboard.press('Enter');
  await expect.poll(() => screen(page)).toMatch(/uts -> 'uts:\[\d+\]'/);
});

test('a second terminal tab is another shell in the same sandbox', async ({ page }) => {
  await openLesson(page, '02-namespaces');
  const [name] = await run(page, 'hostname');
  await run(page, 'sleep 987 & true');

  const tab = page.getByRole('tab', { name: /second shell/ });
  await tab.click();
  await expect(tab).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('terminal-2')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  await expect.poll(() => screenOf(page, '2')).toMatch(/#\s*$/m);
  await page.getByTestId('terminal-2').click();
  expect(await runIn(page, '2', 'hostname')).toEqual([name]);
  expect(await runIn(page, '2', 'pgrep -a sleep')).toEqual([expect.stringMatching(/^\d+ sleep 987$/)]);

  // A step meant for the first terminal brings its tab back.
  await page.locator('[data-step-command="hostname"]').first().getByRole('button', { name: /^Run/ }).click();
  await expect(page.getByRole('tab', { name: /shell/ }).first()).toHaveAttribute('aria-selected', 'true');
});
