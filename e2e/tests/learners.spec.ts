/**
 * The learner's sandbox follows them: one tab through the whole course, a class behind one
 * address, and back and forth between two lessons.
 */
import { readdirSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from '@playwright/test';
import { CLASS_SIZE, EXTERNAL_SITE } from '../playwright.config.js';
import { agentSessions, expect, learnerOf, test, trackSessions } from './fixtures.js';
import { openLesson, run, screen } from './terminal.js';

/** The course in order, as the site lists it: one directory per lesson, numbered. */
const LESSON_SLUGS = readdirSync(new URL('../../content/lessons/', import.meta.url)).filter((d) => /^\d\d-/.test(d)).sort();

const sessionId = (page: Page) => page.evaluate(() => window.__byhandTerminal?.sessionId ?? '');

/** Waits until the page's terminal has a prompt again (after a navigation or a reload). */
async function promptBack(page: Page): Promise<void> {
  await expect(page.getByTestId('terminal')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  await expect.poll(() => screen(page), { message: 'a root prompt appears' }).toMatch(/#\s*$/m);
  await page.getByTestId('terminal').click();
}

test.describe('against the local agent', () => {
  test.skip(!!EXTERNAL_SITE, 'reads the agent\'s session list, which only the local agent lets the test see');

  test('one tab walks all 12 lessons in order; the agent keeps at most 3 sandboxes for the learner', async ({ page, context }) => {
    test.setTimeout(12 * 60_000);
    expect(LESSON_SLUGS).toHaveLength(12);
    await openLesson(page, LESSON_SLUGS[0]!);
    for (const [i, slug] of LESSON_SLUGS.entries()) {
      if (i > 0) {
        // As a learner moves on: the page's own "next lesson" link.
        await page.locator('a[rel="next"]').click();
        await expect(page).toHaveURL(new RegExp(`/lessons/${slug}$`));
        await promptBack(page);
      }
      expect(await run(page, `echo lesson-${i + 1}-$((6 * 7))`), `lesson ${slug} runs a command`).toEqual([`lesson-${i + 1}-42`]);
    }
    const open = await agentSessions((await learnerOf(context))!);
    expect(open.length, `open sandboxes: ${open.map((s) => s.lesson).join(', ')}`).toBeLessThanOrEqual(3);
    expect(open.map((s) => s.lesson)).toContain(LESSON_SLUGS[11]);
    expect(open.filter((s) => s.attached).map((s) => s.lesson)).toEqual([LESSON_SLUGS[11]]);
  });

  test(`${CLASS_SIZE} learners behind one address each get a prompt; one more gets the flood guard's message`, async ({ browser }) => {
    test.setTimeout(10 * 60_000);
    const learners: { context: BrowserContext; page: Page; end: () => Promise<void> }[] = [];
    try {
      // A class does not arrive in the same millisecond: a few at a time, all staying open.
      for (let i = 0; i < CLASS_SIZE; i += 5) {
        const batch = await Promise.all(Array.from({ length: Math.min(5, CLASS_SIZE - i) }, () => learner(browser)));
        learners.push(...batch);
        await Promise.all(batch.map(({ page }) => openLesson(page, '02-namespaces')));
      }
      const ids = await Promise.all(learners.map(({ page }) => sessionId(page)));
      expect(new Set(ids).size, 'every learner has a sandbox of their own').toBe(CLASS_SIZE);
      const cookies = await Promise.all(learners.map(({ context }) => learnerOf(context)));
      expect(new Set(cookies).size, 'every browser is a learner of its own').toBe(CLASS_SIZE);

      const late = await learner(browser);
      learners.push(late);
      await late.page.goto('/lessons/02-namespaces');
      await expect(late.page.getByTestId('terminal')).toHaveAttribute('data-state', 'error', { timeout: 30_000 });
      const alert = late.page.getByTestId('terminal').getByRole('alert');
      await expect(alert).toContainText(`${CLASS_SIZE} sandboxes are open from your network address`);
      await expect(alert).toContainText('ask the admin to raise it');

      // The others are unaffected: the first learner's shell still answers.
      await learners[0]!.page.getByTestId('terminal').click();
      expect(await run(learners[0]!.page, 'echo still-here')).toEqual(['still-here']);
    } finally {
      for (const { context, end } of learners) {
        await end();
        await context.close();
      }
    }
  });
});

async function learner(browser: Browser): Promise<{ context: BrowserContext; page: Page; end: () => Promise<void> }> {
  const context = await browser.newContext();
  const end = trackSessions(context);
  return { context, page: await context.newPage(), end };
}

test('back, forward and reload between two lessons resume the same shells', async ({ page }) => {
  await openLesson(page, '02-namespaces');
  await run(page, 'export MARK=set-in-lesson-2');
  const second = await sessionId(page);

  await page.locator('a[rel="next"]').click();
  await expect(page).toHaveURL(/\/lessons\/03-user-namespaces$/);
  await promptBack(page);
  await run(page, 'export MARK=set-in-lesson-3');
  const third = await sessionId(page);
  expect(third).not.toBe(second);

  await page.goBack();
  await expect(page).toHaveURL(/\/lessons\/02-namespaces$/);
  await promptBack(page);
  expect(await sessionId(page)).toBe(second);
  expect(await run(page, 'echo $MARK')).toEqual(['set-in-lesson-2']);

  await page.goForward();
  await expect(page).toHaveURL(/\/lessons\/03-user-namespaces$/);
  await promptBack(page);
  expect(await sessionId(page)).toBe(third);
  expect(await run(page, 'echo $MARK')).toEqual(['set-in-lesson-3']);

  await page.reload();
  await promptBack(page);
  expect(await sessionId(page)).toBe(third);
  expect(await run(page, 'echo $MARK')).toEqual(['set-in-lesson-3']);
});

test('at the cap with every sandbox open, the panel lists them and ending one starts this lesson', async ({ page, context }) => {
  const open = ['02-namespaces', '03-user-namespaces', '04-rootfs'];
  const tabs: Page[] = [page];
  for (const [i, slug] of open.entries()) {
    if (i > 0) tabs.push(await context.newPage());
    await openLesson(tabs[i]!, slug);
  }
  const fourth = await context.newPage();
  await fourth.goto('/lessons/05-cgroups');
  const terminal = fourth.getByTestId('terminal');
  await expect(terminal).toHaveAttribute('data-state', 'error', { timeout: 30_000 });
  await expect(terminal.getByRole('alert')).toContainText(/you already have 3 sandboxes open/i);
  const listed = terminal.getByTestId('open-sandbox');
  await expect(listed).toHaveCount(3);
  for (const slug of open) await expect(terminal.getByRole('listitem').filter({ hasText: slug })).toContainText('open in another tab');

  await terminal.getByRole('button', { name: 'End 03-user-namespaces' }).click();
  await expect(terminal).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  await expect.poll(() => screen(fourth), { message: 'a root prompt appears' }).toMatch(/#\s*$/m);
  // The ended one's tab says so; the others go on.
  await expect(tabs[1]!.getByTestId('terminal')).not.toHaveAttribute('data-state', 'ready');
  await tabs[0]!.getByTestId('terminal').click();
  expect(await run(tabs[0]!, 'echo still-mine')).toEqual(['still-mine']);
});

test('passed checks stay with the learner: cleared storage, or another browser with the same cookie', async ({ page, context, browser }) => {
  await openLesson(page, '02-namespaces');
  await run(page, 'ipcmk --queue');
  const check = page.locator('[data-testid="check"][data-check-id="ipc-queue"]');
  await check.getByRole('button', { name: 'Check' }).click();
  await expect(check).toHaveAttribute('data-status', 'passed');
  const card = (p: Page) => p.getByRole('link', { name: /Namespaces: UTS, PID, mount, IPC/ }).getByTestId('lesson-progress');

  await page.evaluate(() => localStorage.clear());
  await page.goto('/');
  await expect(card(page)).toHaveText(/1 of 5 checks/);

  const device = await browser.newContext();
  try {
    await device.addCookies(await context.cookies());
    const other = await device.newPage();
    await other.goto('/');
    await expect(card(other)).toHaveText(/1 of 5 checks/);
    const stranger = await (await browser.newContext()).newPage();
    await stranger.goto('/');
    await expect(card(stranger)).toHaveText(/Not started/);
    await stranger.context().close();
  } finally {
    await device.close();
  }
});
