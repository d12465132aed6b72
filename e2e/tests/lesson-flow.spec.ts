/** The learner's path: course map, lesson, run a step, pass a check, reload, progress on the map. */
import { expect, test } from './fixtures.js';
import { run, screen } from './terminal.js';

test('course map → lesson → run → check passes → reload keeps the pass and the shell → map shows progress', async ({ page }) => {
  // Two sandbox attaches and a dozen round trips: more than the default budget on a busy machine.
  test.setTimeout(120_000);
  await page.goto('/');
  const card = page.getByRole('link', { name: /Namespaces: UTS, PID, mount, IPC/ });
  await expect(card.getByTestId('lesson-progress')).toHaveText(/Not started/);
  await card.click();
  await expect(page).toHaveURL(/\/lessons\/02-namespaces$/);
  const terminal = page.getByTestId('terminal');
  await expect(terminal).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });

  const check = page.locator('[data-testid="check"][data-check-id="ipc-queue"]');
  await check.scrollIntoViewIfNeeded();
  // Nothing done yet: the check looks at the sandbox, and there is no queue in it.
  await check.getByRole('button', { name: 'Check' }).click();
  await expect(check).toHaveAttribute('data-status', 'failed');
  await expect(check).toContainText('ipcmk --queue');

  const step = page.locator('[data-step-command="ipcmk --queue && ipcs -q"]');
  await step.getByRole('button', { name: /^Run in the terminal/ }).click();
  await expect.poll(() => screen(page)).toMatch(/Message queue id: \d+/);
  await check.getByRole('button', { name: 'Check again' }).click();
  await expect(check).toHaveAttribute('data-status', 'passed');
  await expect(check).toContainText('1 message queue');
  const id = await page.evaluate(() => window.__byhandTerminal?.sessionId);

  await page.reload();
  await expect(terminal).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  expect(await page.evaluate(() => window.__byhandTerminal?.sessionId)).toBe(id);
  await expect(check).toHaveAttribute('data-status', 'passed');
  await expect(check).toContainText('Passed earlier');
  await terminal.click();
  // The same shell: its message queue is still there.
  expect((await run(page, 'ipcs -q | grep -c ^0x')).at(-1)).toBe('1');

  await page.goto('/');
  await expect(card.getByTestId('lesson-progress')).toHaveText(/1 of 5 checks/);
});

test('a quiz tells a wrong answer from the right one', async ({ page }) => {
  await page.goto('/lessons/02-namespaces');
  const quiz = page.getByTestId('quiz').first();
  await quiz.getByLabel(/name server/).check();
  await quiz.getByRole('button', { name: 'Answer' }).click();
  await expect(quiz).toContainText('Not quite');
  await quiz.getByLabel(/first namespace/).check();
  await quiz.getByRole('button', { name: 'Answer' }).click();
  await expect(quiz).toContainText('Right.');
  await expect(quiz).toContainText('only one');
});
