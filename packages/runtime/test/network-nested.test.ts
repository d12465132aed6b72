/**
 * Container networking nested: `byhand run --network ...` inside a learner sandbox (a user
 * namespace with its own network namespace), as the sandbox agent makes it. Everything happens
 * in the sandbox's netns: the host's network is only looked at, to see that nothing of the
 * sandbox's networking landed there.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { labImageDir, toolsDir, TOOLS_DIR_INSIDE } from '../src/paths.ts';
import { defaultStateDir } from '../src/state.ts';
import { requireRoot, runInSandbox, type RunResult } from './helpers.ts';

const LAB = labImageDir(defaultStateDir());
const TOOLS = toolsDir(defaultStateDir());
// The state dir the tools' wrapper gives byhand inside a sandbox, and its tag on bridges and rules.
const NESTED_TAG = createHash('sha256').update('/tmp/byhand').digest('hex').slice(0, 8);

before(() => {
  requireRoot();
  if (!existsSync(join(LAB, 'bin', 'bash'))) throw new Error(`the lab image is missing (no ${LAB}/bin/bash): run \`npm run setup\``);
  if (!existsSync(join(TOOLS, 'bin', 'byhand'))) throw new Error(`the sandbox tools are missing (no ${TOOLS}/bin/byhand): run \`npm run setup\``);
});

function inLab(script: string): Promise<RunResult> {
  return runInSandbox(LAB, script, {
    name: 'netnest',
    upperSize: '256m',
    env: { PATH: `/usr/sbin:/usr/bin:/sbin:/bin:${TOOLS_DIR_INSIDE}/bin` },
    volumes: [{ source: TOOLS, target: TOOLS_DIR_INSIDE, readonly: true }],
  });
}

/** "key=value" lines of the script's output. */
function results(r: RunResult): Record<string, string> {
  return Object.fromEntries(r.stdout.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

const BUSYBOX = `${TOOLS_DIR_INSIDE}/images/busybox/rootfs/bin/busybox`;

/** Shell helpers for the scenarios: counts of what networking leaves behind, a retrying curl. */
const PRELUDE = String.raw`
count() { echo "links=$(ip -o link | wc -l) rules=$(nft list ruleset | grep -c comment) leases=$(grep -c '"ip":' /tmp/byhand/networks/networks.json 2>/dev/null || echo 0)"; }
fetch() { for i in 1 2 3 4 5 6 7 8 9 10; do curl -sS --max-time 2 "$1" 2>/dev/null && return; sleep 0.3; done; echo unreachable; }
ip link add uplink0 type veth peer name uplink1
ip addr add 198.51.100.1/24 dev uplink0
ip link set uplink0 up && ip link set uplink1 up
`;

test('nested: the default is none; bridge, names, a gateway server and a published port work in the sandbox\'s netns', async () => {
  const r = await inLab(PRELUDE + String.raw`
echo "before=$(count)"
echo "default=$(byhand run --rm busybox ip -o link | wc -l)"
byhand run -d --network bridge --name one busybox sleep 1000 >/dev/null || exit 1
byhand run --rm --network bridge busybox sh -c 'ping -c 1 -W 3 one >/dev/null && echo ping=by-name'
mkdir -p /tmp/gw && echo from-gateway > /tmp/gw/index.html
${BUSYBOX} httpd -f -p 172.30.0.1:18090 -h /tmp/gw & gw=$!
sleep 0.3
echo "gateway=$(byhand run --rm --network bridge busybox wget -q -O - http://172.30.0.1:18090/)"
kill $gw
byhand run -d --name web -p 18080:80 busybox sh -c 'mkdir /www && echo from-web > /www/index.html && exec httpd -f -p 80 -h /www' >/dev/null
echo "localhost=$(fetch http://127.0.0.1:18080/)"
echo "own-address=$(fetch http://198.51.100.1:18080/)"
byhand stop -t 1 web >/dev/null
echo "stopped=$(byhand ps -a | grep ' web$' | grep -o 'Exited ([0-9-]*)')"
byhand rm -f web >/dev/null
echo "after-rm=$(curl -sS --max-time 2 http://127.0.0.1:18080/ 2>&1 | grep -c 'Could not connect\|Couldn.t connect\|refused')"
echo "rules-18080=$(nft list ruleset | grep -c 18080)"
byhand rm -f one >/dev/null
echo "after=$(count)"
`);
  const out = results(r);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(out.default, '1', 'inside a sandbox, byhand run defaults to --network none: only lo');
  assert.equal(out.ping, 'by-name', r.stderr);
  assert.equal(out.gateway, 'from-gateway', r.stderr);
  assert.equal(out.localhost, 'from-web', r.stderr);
  assert.equal(out['own-address'], 'from-web', r.stderr);
  assert.equal(out.stopped, 'Exited (137)', 'httpd as pid 1 ignores SIGTERM: stop kills it, and ps at once says how it ended');
  assert.equal(out['after-rm'], '1', 'the published port is closed after rm');
  assert.equal(out['rules-18080'], '0');
  assert.equal(out.after, out.before, 'no interface, rule or lease is left');
  assert.match(out.before!, /^links=3 rules=0 leases=0$/);
});

test('nested: none, host, container:NAME, and a user network with --subnet and --ip', async () => {
  const r = await inLab(PRELUDE + String.raw`
byhand run -d --network bridge --name one busybox sleep 1000 >/dev/null || exit 1
echo "none=$(byhand run --rm --network none busybox ip -o link | wc -l)"
echo "host=$(byhand run --rm --network host busybox ip -o link | grep -c '^[0-9]*: uplink0')"
echo "one=$(byhand inspect one | grep -m1 '"IPAddress"' | tr -dc '0-9.')"
echo "shared=$(byhand run --rm --network container:one busybox ip -4 -o addr show eth0 | grep -o 'inet [0-9.]*' | tr -dc '0-9.')"
byhand network create lab --subnet 10.77.0.0/24 >/dev/null
echo "fixed=$(byhand run --rm --network lab --ip 10.77.0.10 busybox ip -4 -o addr show eth0 | grep -o 'inet [0-9./]*')"
echo "lab-rm=$(byhand network rm lab)"
byhand rm -f one >/dev/null
`);
  const out = results(r);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(out.none, '1', r.stderr);
  assert.equal(out.host, '1', 'host mode sees the sandbox\'s own uplink0');
  assert.match(out.one!, /^172\.30\.\d+\.\d+$/);
  assert.equal(out.shared, out.one, 'container:one has one\'s eth0 and address');
  assert.equal(out.fixed, 'inet 10.77.0.10/24', r.stderr);
  assert.equal(out['lab-rm'], 'lab');
});

test('nested: after a SIGKILLed `byhand run --rm`, `byhand gc` leaves nothing; the host never saw any of it', async () => {
  const r = await inLab(PRELUDE + String.raw`
echo "before=$(count)"
byhand run --rm --network bridge --name victim -p 18082:80 busybox sleep 1000 >/dev/null 2>&1 & victim=$!
for i in $(seq 50); do nft list ruleset 2>/dev/null | grep -q 18082 && break; sleep 0.2; done
echo "plugged=$(count)"
kill -9 $victim
echo "gc=$(byhand gc | grep -c 'removed lease')"
echo "after=$(count)"
`);
  const out = results(r);
  assert.equal(r.code, 0, r.stderr);
  assert.match(out.plugged!, /leases=1/, 'the victim was plugged in');
  assert.notEqual(out.plugged, out.before);
  assert.equal(out.gc, '1', r.stderr);
  assert.equal(out.after, out.before);
  // Looked at, never changed: the host has no bridge or rule of the sandboxes' state dir.
  const hostLinks = JSON.parse(execFileSync('ip', ['-j', 'link', 'show'], { encoding: 'utf8' })) as { ifalias?: string }[];
  assert.ok(!hostLinks.some((l) => l.ifalias === `byhand:${NESTED_TAG}`), 'no nested bridge on the host');
  assert.doesNotMatch(execFileSync('nft', ['list', 'ruleset'], { encoding: 'utf8' }), new RegExp(NESTED_TAG));
});
