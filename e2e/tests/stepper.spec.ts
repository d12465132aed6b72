import { expect, test } from './fixtures.js';
import { openLesson, screen } from './terminal.js';

// Each step is a few browser actions; recording snapshots of them all slows a loaded machine
// down enough to time out.
test.use({ trace: 'off' });

test('the Stepper makes a container one step at a time and ends at its prompt', async ({ page }) => {
  test.setTimeout(300_000);
  await openLesson(page, '10-docker-run-by-hand');
  const stepper = page.getByTestId('stepper');
  const next = stepper.getByRole('button', { name: 'Next' });
  await stepper.getByRole('button', { name: 'Start' }).click();

  const seen: string[] = [];
  for (let i = 1; !seen.at(-1)?.includes('execve('); i++) {
    expect(i, 'a run of a sane number of steps').toBeLessThan(150);
    const row = stepper.locator(`li[data-step-index="${i}"]`);
    await expect(row).toHaveAttribute('data-step-status', 'waiting');
    seen.push((await row.textContent()) ?? '');
    // The diagram shows the stage of the step that waits.
    if (seen.at(-1)!.includes('pivot_root')) await expect(stepper.locator('[data-stage="pivot"]')).toHaveAttribute('data-highlighted', 'true');
    await next.click();
    await expect(row).toHaveAttribute('data-step-status', 'done');
  }

  const steps = seen.join('\n');
  expect(steps.indexOf('clone3(')).toBeGreaterThanOrEqual(0);
  expect(steps.indexOf('clone3(')).toBeLessThan(steps.indexOf('pivot_root'));
  expect(steps.indexOf('pivot_root')).toBeLessThan(steps.indexOf('execve('));
  await expect(stepper.getByRole('status')).toHaveText(/^Done/);
  // busybox's shell in the finished container answers in terminal 1, its prompt after the last
  // step's line (the helper waits until the CLI has printed it).
  await expect.poll(() => screen(page), { message: "the container's prompt" }).toMatch(/^\/ #\s*$/m);
  const text = await screen(page);
  expect(text.lastIndexOf('the command replaces the helper')).toBeGreaterThanOrEqual(0);
  expect(text.lastIndexOf('the command replaces the helper')).toBeLessThan(text.search(/^\/ #\s*$/m));
  await page.keyboard.type('echo inside-$((6*7))\n');
  await expect.poll(() => screen(page)).toMatch(/^inside-42\s*$/m);
});
