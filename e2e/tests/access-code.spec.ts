/** A class with an access code: the terminal panel asks for it once; a wrong one is told apart. */
import { CLASS_ACCESS_CODE, CODE_WEB_PORT, EXTERNAL_SITE } from '../playwright.config.js';
import { expect, test } from './fixtures.js';
import { run, screen } from './terminal.js';

test.skip(!!EXTERNAL_SITE, 'needs the local class with an access code that the config starts');
test.use({ baseURL: `http://127.0.0.1:${CODE_WEB_PORT}` });

test('the panel asks for the class code: a wrong one is refused clearly, the right one gives a sandbox for the whole course', async ({ page }) => {
  await page.goto('/lessons/02-namespaces');
  const terminal = page.getByTestId('terminal');
  await expect(terminal).toHaveAttribute('data-state', 'error', { timeout: 30_000 });
  const alert = terminal.getByRole('alert');
  await expect(alert).toContainText('This class needs its access code');
  // Not the site blaming its own set-up, as it did when it sent no code.
  await expect(alert).not.toContainText('credentials');

  const field = terminal.getByLabel('Class access code');
  await field.fill('not-the-code');
  await terminal.getByRole('button', { name: 'Join the class' }).click();
  await expect(alert).toContainText('Wrong access code');
  await expect(terminal).toHaveAttribute('data-state', 'error');

  await terminal.getByLabel('Class access code').fill(CLASS_ACCESS_CODE);
  await terminal.getByRole('button', { name: 'Join the class' }).click();
  await expect(terminal).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  await expect.poll(() => screen(page), { message: 'a root prompt appears' }).toMatch(/#\s*$/m);
  await terminal.click();
  expect(await run(page, 'echo in-the-class')).toEqual(['in-the-class']);

  // The next lesson starts a new sandbox without asking again: the site kept the code.
  await page.locator('a[rel="next"]').click();
  await expect(page).toHaveURL(/\/lessons\/03-user-namespaces$/);
  await expect(terminal).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  const cookie = (await page.context().cookies()).find((c) => c.name === 'byhand_access');
  expect(cookie?.httpOnly, 'the code is kept where page scripts cannot read it').toBe(true);
});
