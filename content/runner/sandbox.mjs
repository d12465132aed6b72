/**
 * One learner's sandbox, reached as the site reaches it: POST /v1/sessions, then the terminal
 * WebSocket. Checks go over the socket as the browser sends them ({"type":"check","id"}), and
 * solutions are typed into the terminal, as a learner types.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import WebSocket from 'ws';

const ANSI = /\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r/g;
/** Readline switches bracketed paste on each time it waits for a line: the shell is at its prompt. */
const AT_PROMPT = /\x1b\[\?2004h[^\n]*$|[#$] $/;
const CHECK_TIMEOUT_MS = 20_000;
const SOLUTION_TIMEOUT_MS = 120_000;

function plain(text) {
  return text.replace(ANSI, '');
}

/** Wraps a shell script so that typing it is safe: base64 has no tab, `!` or quote for readline or bash to act on. */
function typedScript(script, nonce) {
  const file = `/tmp/.solution-${nonce}.sh`;
  const lines = Buffer.from(script, 'utf8').toString('base64').match(/.{1,76}/g) ?? [];
  // The quotes split the marker, so the echo of the typed line never matches it.
  return [
    `base64 -d > ${file} <<'END-${nonce}'`, ...lines, `END-${nonce}`,
    `sh ${file}; echo "@@solution-${nonce}""-exit:$?"; rm -f ${file}`, '',
  ].join('\r');
}

/**
 * A new learner, signed as packages/protocol/src/learner.ts signs one (plain node cannot load
 * that TypeScript): each lesson's sandbox is a learner of its own, as a fresh browser is.
 */
function newLearner(secret) {
  const id = randomBytes(16).toString('base64url');
  return `${id}.${createHmac('sha256', secret).update(`byhand learner id:${id}`).digest('base64url')}`;
}

export class Sandbox {
  output = '';
  /** What the terminal printed since the last solution was typed. */
  recent = '';
  messages = [];
  #decoder = new StringDecoder('utf8');
  #waiters = new Set();

  constructor(agent, id, ws, learner) {
    this.agent = agent;
    this.id = id;
    this.learner = learner;
    this.ws = ws;
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        this.#print(this.#decoder.write(data));
        ws.send(JSON.stringify({ type: 'ack', bytes: data.length }));
      } else {
        const msg = JSON.parse(data.toString('utf8'));
        this.messages.push(msg);
        // What the shell printed before the socket attached comes as a snapshot, as on a reconnect.
        if (msg.type === 'snapshot') this.#print(msg.data);
      }
      for (const wake of this.#waiters) wake();
    });
    ws.on('close', () => {
      this.closed = true;
      for (const wake of this.#waiters) wake();
    });
  }

  #print(text) {
    // Only the tail is ever looked at: keep the runner's memory flat.
    this.output = (this.output + text).slice(-50_000);
    this.recent = (this.recent + text).slice(-50_000);
  }

  /** A fresh sandbox for `lesson`; its shell is at the prompt when this resolves. */
  static async open(agent, lesson) {
    const learner = newLearner(agent.secret);
    const res = await fetch(`${agent.base}/v1/sessions`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${agent.secret}`, 'Content-Type': 'application/json', 'X-Byhand-Learner': learner },
      body: JSON.stringify({ lesson }),
    });
    if (res.status !== 201) throw new Error(`POST /v1/sessions for ${lesson} answered ${res.status}: ${await res.text()}`);
    const { id, token } = await res.json();
    const ws = new WebSocket(`${agent.wsBase}/v1/sessions/${id}/tty?token=${encodeURIComponent(token)}`);
    // Listening before 'open': the first frames can arrive in the same read as the handshake.
    const sandbox = new Sandbox(agent, id, ws, learner);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    await sandbox.#until('the sandbox to be ready', () => sandbox.messages.some((m) => m.type === 'ready'), CHECK_TIMEOUT_MS);
    await sandbox.#until('the first prompt', () => AT_PROMPT.test(sandbox.output), CHECK_TIMEOUT_MS);
    return sandbox;
  }

  /** Resolves once `done()` holds; rejects naming `what` (and the terminal's last lines) after `timeoutMs`. */
  #until(what, done, timeoutMs) {
    return new Promise((resolve, reject) => {
      const finish = (err) => {
        clearTimeout(timer);
        this.#waiters.delete(wake);
        if (err) reject(err);
        else resolve();
      };
      const wake = () => {
        if (done()) finish();
        else if (this.closed) finish(new Error(`the terminal closed while waiting for ${what}:\n${this.tail()}`));
      };
      const timer = setTimeout(() => finish(new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}:\n${this.tail()}`)), timeoutMs);
      this.#waiters.add(wake);
      wake();
    });
  }

  /** The terminal's last lines, without colours, for error messages. */
  tail(lines = 15) {
    return plain(this.output).trimEnd().split('\n').slice(-lines).join('\n');
  }

  /** Asks the agent to run check `id` in this sandbox, as the lesson page does. */
  async check(id) {
    const from = this.messages.length;
    this.ws.send(JSON.stringify({ type: 'check', id }));
    const answer = () => this.messages.slice(from).find((m) => (m.type === 'check' && m.id === id) || m.type === 'error');
    await this.#until(`the answer to check ${id}`, () => answer() !== undefined, CHECK_TIMEOUT_MS);
    const msg = answer();
    if (msg.type === 'error') throw new Error(`the agent refused check ${id}: ${msg.code}: ${msg.message}`);
    return { ok: msg.ok, message: msg.message };
  }

  /** Types `script` into the terminal and runs it with sh; resolves with its exit status and what it printed. */
  async type(script, timeoutMs = SOLUTION_TIMEOUT_MS) {
    const nonce = randomBytes(6).toString('hex');
    this.recent = '';
    this.ws.send(Buffer.from(typedScript(script, nonce), 'utf8'), { binary: true });
    const marker = new RegExp(`@@solution-${nonce}-exit:(\\d+)`);
    await this.#until('the solution to finish', () => marker.test(this.recent), timeoutMs);
    const status = Number(marker.exec(this.recent)[1]);
    // Typing the next solution before readline is back could lose it to the tty's line editing.
    const after = () => this.recent.slice(this.recent.search(marker));
    await this.#until('the prompt after the solution', () => AT_PROMPT.test(after()), CHECK_TIMEOUT_MS);
    // What the script printed: between the echo of the typed `sh` line and the marker.
    const text = plain(this.recent);
    const start = text.indexOf('\n', text.indexOf(`.solution-${nonce}.sh; echo`));
    const output = text.slice(start + 1, text.search(marker)).trimEnd().split('\n').slice(-15).join('\n');
    return { status, output };
  }

  async close() {
    this.ws.close();
    await fetch(`${this.agent.base}/v1/sessions/${this.id}`, {
      method: 'DELETE', headers: { Authorization: `Bearer ${this.agent.secret}`, 'X-Byhand-Learner': this.learner },
    });
  }
}
