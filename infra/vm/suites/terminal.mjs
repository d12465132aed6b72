#!/usr/bin/env node
/**
 * In the classroom VM: what a learner's browser does, through Caddy on port 80. Asks the site
 * for a sandbox, opens the terminal's WebSocket at the URL the site gave, types a command and
 * waits for its answer. Exits 0 when the sandbox answered; says what went wrong otherwise.
 *
 *   node terminal.mjs ORIGIN [VIA]
 *
 * ORIGIN is the address learners use (the page's origin); VIA, when learners reach the VM
 * through a port forward, is where that address leads from inside the VM (http://127.0.0.1).
 */
import WebSocket from 'ws';

const ORIGIN = process.argv[2] || 'http://127.0.0.1';
const VIA = process.argv[3] || ORIGIN;
const fail = (message) => {
  console.error(`FAIL: ${message}`);
  process.exit(1);
};

const res = await fetch(`${VIA}/api/sessions`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', origin: ORIGIN },
  body: JSON.stringify({ lesson: '02-namespaces' }),
});
const body = await res.text();
if (res.status !== 201) fail(`POST ${ORIGIN}/api/sessions answered ${res.status}: ${body}`);
const { wsUrl } = JSON.parse(body);
const wsOrigin = ORIGIN.replace(/^http/, 'ws');
const expected = `${wsOrigin}/v1/sessions/`;
if (!wsUrl.startsWith(expected)) fail(`the site handed out ${wsUrl}, not a URL through Caddy (${expected}…)`);

const ws = new WebSocket(`${VIA.replace(/^http/, 'ws')}${wsUrl.slice(wsOrigin.length)}`, { origin: ORIGIN });
const timer = setTimeout(() => fail(`no answer from the sandbox within 60 s; it printed: ${JSON.stringify(seen.slice(-300))}`), 60_000);
let seen = '';
ws.on('message', (data, isBinary) => {
  if (!isBinary) {
    const frame = JSON.parse(data.toString());
    if (frame.type === 'ready') ws.send(Buffer.from('echo through-caddy-$((6*7)) in $(hostname)\r'));
    if (frame.type === 'error') fail(`the agent sent an error: ${frame.code}: ${frame.message}`);
    return;
  }
  seen += data.toString();
  if (seen.includes('through-caddy-42 in')) {
    clearTimeout(timer);
    console.log(`terminal through Caddy: ${wsUrl.split('?')[0]} answered "${/through-caddy-42 in \S+/.exec(seen)[0]}"`);
    ws.close();
    process.exit(0);
  }
});
ws.on('error', (err) => fail(`WebSocket ${wsUrl.split('?')[0]}: ${err.message}`));
