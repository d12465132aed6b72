import { deleteSession, expect, learnerOf, test } from './fixtures.js';
import { alive, cgroupsNamed, commOf, holdersOf, hostMounts, namespaceOf, processTree, sandboxHelperPid, uidOf } from './host.js';
import { openLesson, run } from './terminal.js';

test('the namespaces lesson gives a root shell in a real sandbox', async ({ page }) => {
  await openLesson(page, '02-namespaces');

  const [name] = await run(page, 'hostname');
  expect(name).toMatch(/^lab-/);

  expect(await run(page, "unshare --uts sh -c 'hostname inside; hostname'")).toEqual(['inside']);
  expect(await run(page, 'hostname')).toEqual([name]);

  expect(await run(page, "unshare --pid --fork --mount-proc sh -c 'echo $$'")).toEqual(['1']);

  expect(await run(page, 'mkdir -p /tmp/o/l /tmp/o/u /tmp/o/w /tmp/o/m && mount -t overlay overlay '
    + '-o lowerdir=/tmp/o/l,upperdir=/tmp/o/u,workdir=/tmp/o/w /tmp/o/m && echo ok')).toEqual(['ok']);

  expect(await run(page, 'id -u')).toEqual(['0']);
  // From outside, through /proc: the learner's shell is not root on the host.
  const helper = sandboxHelperPid(name!);
  expect(helper, `a byhand-init process for ${name}`).toBeDefined();
  const shells = processTree(helper!).filter((pid) => commOf(pid) === 'bash');
  expect(shells.length).toBeGreaterThan(0);
  for (const pid of shells) expect(uidOf(pid)).toBeGreaterThan(0);
});

test('a closed page keeps its sandbox for a reload; ending the session leaves nothing behind', async ({ browser }) => {
  const mountsBefore = hostMounts();
  const page = await browser.newPage();
  await openLesson(page, '02-namespaces');
  const [name] = await run(page, 'hostname');
  const helper = sandboxHelperPid(name!);
  expect(helper, `a byhand-init process for ${name}`).toBeDefined();
  const sandbox = processTree(helper!);
  const shell = sandbox.find((pid) => commOf(pid) === 'bash')!;
  const namespaces = ['net', 'mnt', 'pid', 'user'].map((kind) => [kind, namespaceOf(shell, kind)] as const);
  expect(sandbox.length).toBeGreaterThanOrEqual(3);

  const id = await page.evaluate(() => window.__byhandTerminal?.sessionId ?? '');
  const learner = (await learnerOf(page.context()))!;
  await page.close();
  // The learner may come back (a reload, a dropped network): the sandbox waits for them.
  expect(sandbox.filter(alive)).toEqual(sandbox);
  await deleteSession(id, learner);
  await expect.poll(() => sandbox.filter(alive), { message: 'every sandbox process ends' }).toEqual([]);
  for (const [kind, ns] of namespaces) {
    await expect.poll(() => holdersOf(kind, ns), { message: `no process is left in the sandbox's ${kind} namespace` }).toEqual([]);
  }
  expect(hostMounts()).toEqual(mountsBefore);
  expect(cgroupsNamed(name!)).toEqual([]);
});
