/** Drives the lesson page's terminal the way a learner does: click, type, read the screen. */
import { expect, type Page } from '@playwright/test';

declare global {
  interface Window {
    __byhandTerminal?: { text(): string; sessionId: string };
    __byhandTerminals?: Record<string, { text(): string; sessionId: string; cols: number }>;
  }
}

export async function screen(page: Page): Promise<string> {
  return page.evaluate(() => window.__byhandTerminal?.text() ?? '');
}

/** Opens a lesson and waits for the sandbox's shell prompt. */
export async function openLesson(page: Page, slug: string): Promise<void> {
  await page.goto(`/lessons/${slug}`);
  const terminal = page.getByTestId('terminal');
  await expect(terminal).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  await expect.poll(() => screen(page), { message: 'a root prompt appears' }).toMatch(/#\s*$/m);
  await terminal.click();
}

let marker = 0;

/**
 * Types a command and returns what it printed: the lines between the command's echo and the
 * next prompt. A unique marker echoed afterwards tells us the command has finished.
 */
export async function run(page: Page, command: string): Promise<string[]> {
  const done = `__done_${++marker}__`;
  await page.keyboard.type(`${command}; echo ${done}\n`, { delay: 5 });
  let text = '';
  await expect.poll(async () => {
    text = await screen(page);
    return text.split('\n').some((l) => l.trim() === done);
  }, { message: `"${command}" finishes` }).toBe(true);
  const lines = text.split('\n');
  const end = lines.findIndex((l) => l.trim() === done);
  const start = lines.slice(0, end).findLastIndex((l) => l.includes(`echo ${done}`));
  return lines.slice(start + 1, end).map((l) => l.trimEnd());
}

/** What terminal tab `id` ("1", "2", …) shows. */
export async function screenOf(page: Page, id: string): Promise<string> {
  return page.evaluate((which) => window.__byhandTerminals?.[which]?.text() ?? '', id);
}

/** Like run(), in terminal tab `id`, which must be the focused one. */
export async function runIn(page: Page, id: string, command: string): Promise<string[]> {
  const done = `__done_${++marker}__`;
  await page.keyboard.type(`${command}; echo ${done}\n`, { delay: 5 });
  let text = '';
  await expect.poll(async () => {
    text = await screenOf(page, id);
    return text.split('\n').some((l) => l.trim() === done);
  }, { message: `"${command}" finishes in terminal ${id}` }).toBe(true);
  const lines = text.split('\n');
  const end = lines.findIndex((l) => l.trim() === done);
  const start = lines.slice(0, end).findLastIndex((l) => l.includes(`echo ${done}`));
  return lines.slice(start + 1, end).map((l) => l.trimEnd());
}
