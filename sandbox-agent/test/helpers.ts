/** Test helpers: a real agent on a free loopback port, a real WebSocket terminal client. */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { StringDecoder } from 'node:string_decoder';
import { join } from 'node:path';
import WebSocket from 'ws';
import { initHelperPath, labImageDir } from '@byhand/runtime';
import type { AgentMessage } from '@byhand/protocol';
import { LEARNER_HEADER, newLearnerId, signLearner } from '@byhand/protocol/learner';
import { createAgent, type Agent, type AgentConfig } from '../src/index.js';
import { cgroupPrefix } from '../src/limits.js';

// The agent's own state (its secret file) goes to a throwaway directory, never /var/lib/byhand.
process.env.BYHAND_STATE_DIR = mkdtempSync(join(tmpdir(), 'byhand-agent-test-'));

/** The real lab image: BYHAND_LAB_IMAGE, or where `npm run setup` builds it. */
export const LAB_IMAGE = process.env.BYHAND_LAB_IMAGE || labImageDir('/var/lib/byhand');

/** Each test process names its sandboxes' cgroups apart from any agent running beside it. */
export const TEST_CGROUP_PREFIX = cgroupPrefix(process.env.BYHAND_STATE_DIR);

/** A course of one lesson, `checks-lesson`, whose checks the tests run. */
export const TEST_LESSONS = mkdtempSync(join(tmpdir(), 'byhand-agent-lessons-'));
const CHECKS = {
  'hostname-is-lab': 'case "$(hostname)" in lab-*) echo "hostname is $(hostname)";; *) echo "hostname is $(hostname), expected lab-*"; exit 1;; esac',
  'file-exists': 'test -f /root/made-by-learner || { echo "create /root/made-by-learner first"; exit 1; }\necho found it',
  'sleeps': 'sleep 30',
  'chatty': 'head -c 100000 /dev/zero | tr "\\0" x; exit 1',
};
mkdirSync(join(TEST_LESSONS, 'checks-lesson', 'checks'), { recursive: true });
for (const [id, script] of Object.entries(CHECKS)) writeFileSync(join(TEST_LESSONS, 'checks-lesson', 'checks', `${id}.sh`), script + '\n');

/** Sandboxes need root, the runtime's native helper and the lab image; say which is missing. */
export function requireSandboxes(): void {
  if (process.getuid?.() !== 0) throw new Error('these tests start real sandboxes and need root: run them as root');
  initHelperPath(); // throws, naming the missing binary and how to build it
  if (!existsSync(join(LAB_IMAGE, 'bin', 'bash'))) {
    throw new Error(`the lab image is missing (no ${LAB_IMAGE}/bin/bash): build it with \`npm run setup\` or set BYHAND_LAB_IMAGE`);
  }
}

export interface TestAgent {
  agent: Agent;
  base: string;
  wsBase: string;
  secret: string;
  logs: string[];
  close(): Promise<void>;
}

export async function startAgent(overrides: Partial<AgentConfig> = {}): Promise<TestAgent> {
  const secret = randomBytes(16).toString('hex');
  const logs: string[] = [];
  const agent = createAgent({
    host: '127.0.0.1',
    port: 0,
    secret,
    rootfs: LAB_IMAGE,
    upperSize: '512m',
    limits: { memory: 1024 * 1024 * 1024, pids: 512, cpus: 1 },
    cgroupPrefix: TEST_CGROUP_PREFIX,
    maxSessions: 50,
    maxSessionsPerLearner: 50,
    maxSessionsPerClient: 50,
    // The tests start many sessions as one learner from one address; admission.test.ts covers the rates.
    sessionRate: 1000,
    clientSessionRate: 1000,
    leaveGraceMs: 60_000,
    progressDir: mkdtempSync(join(tmpdir(), 'byhand-agent-learners-')),
    progressRetentionDays: 180,
    accessCode: null,
    runDir: mkdtempSync(join(tmpdir(), 'byhand-agent-run-')),
    idleTimeoutMs: 900_000,
    maxLifetimeMs: 7_200_000,
    lessonsDir: TEST_LESSONS,
    allowedOrigins: [],
    tokenTtlMs: 60_000,
    log: (event, fields) => logs.push(`${event} ${JSON.stringify(fields ?? {})}`),
    ...overrides,
  });
  const { port } = await agent.listen();
  return {
    agent,
    base: `http://127.0.0.1:${port}`,
    wsBase: `ws://127.0.0.1:${port}`,
    secret,
    logs,
    close: () => agent.close(),
  };
}

/** A learner as the site names one: a fresh id, signed with `secret`. */
export function learner(secret: string): string {
  return signLearner(newLearnerId(), secret);
}

/** The learner the helpers act for when a test names none: one per agent (per secret). */
const defaultLearners = new Map<string, string>();
export function defaultLearner(secret: string): string {
  if (!defaultLearners.has(secret)) defaultLearners.set(secret, learner(secret));
  return defaultLearners.get(secret)!;
}

/** The headers the site sends the agent: the secret and the learner (the default one unless given). */
export function agentHeaders(secret: string, as?: string): Record<string, string> {
  return { Authorization: `Bearer ${secret}`, 'Content-Type': 'application/json', [LEARNER_HEADER]: as ?? defaultLearner(secret) };
}

export async function createSession(t: TestAgent, lesson = 'namespaces', client?: string, as?: string): Promise<{ id: string; token: string }> {
  const res = await postSession(t, lesson, client, as);
  if (res.status !== 201) throw new Error(`POST /v1/sessions answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as { id: string; token: string };
}

export function postSession(t: TestAgent, lesson = 'namespaces', client?: string, as?: string): Promise<Response> {
  const headers = agentHeaders(t.secret, as);
  if (client) headers['X-Byhand-Client'] = client;
  return fetch(`${t.base}/v1/sessions`, { method: 'POST', headers, body: JSON.stringify({ lesson }) });
}

/** POST /v1/sessions/<id>/tokens: the response, for its status and body. */
export function postToken(t: TestAgent, id: string, as?: string): Promise<Response> {
  return fetch(`${t.base}/v1/sessions/${id}/tokens`, { method: 'POST', headers: agentHeaders(t.secret, as) });
}

export async function newToken(t: TestAgent, id: string, as?: string): Promise<string> {
  const res = await postToken(t, id, as);
  if (res.status !== 201) throw new Error(`POST /v1/sessions/${id}/tokens answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

export function deleteSession(t: TestAgent, id: string, as?: string): Promise<Response> {
  return fetch(`${t.base}/v1/sessions/${id}`, { method: 'DELETE', headers: agentHeaders(t.secret, as) });
}

/** GET /v1/sessions: the learner's sandboxes. */
export async function listSessions(t: TestAgent, as?: string): Promise<{ id: string; lesson: string; createdAt: string; attached: boolean }[]> {
  const res = await fetch(`${t.base}/v1/sessions`, { headers: agentHeaders(t.secret, as) });
  if (res.status !== 200) throw new Error(`GET /v1/sessions answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { sessions: { id: string; lesson: string; createdAt: string; attached: boolean }[] }).sessions;
}

export function ttyUrl(t: TestAgent, id: string, token: string, terminal?: string): string {
  const which = terminal ? `&terminal=${terminal}` : '';
  return `${t.wsBase}/v1/sessions/${id}/tty?token=${encodeURIComponent(token)}${which}`;
}

/** Opens a terminal with a fresh token and waits for ready. */
export async function attachTerminal(t: TestAgent, id: string, terminal?: string, as?: string): Promise<TermClient> {
  const client = await TermClient.open(ttyUrl(t, id, await newToken(t, id, as), terminal));
  await client.waitForMessage('ready');
  return client;
}

/** Polls `check` until it returns true; fails naming `what` after `timeoutMs`. */
export async function waitUntil(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A terminal client as the browser would be: binary output, JSON text messages. */
export class TermClient {
  readonly ws: WebSocket;
  readonly messages: AgentMessage[] = [];
  /** Everything printed so far, decoded as a terminal would (characters may span frames). */
  output = '';
  received = 0;
  private readonly decoder = new StringDecoder('utf8');
  closeCode: number | null = null;
  /** Ack every output frame as it arrives, as xterm.js does once it has rendered it. */
  autoAck = true;

  constructor(url: string, origin?: string) {
    this.ws = new WebSocket(url, origin ? { origin } : {});
    this.ws.on('message', (data: Buffer, isBinary) => {
      if (isBinary) {
        this.output += this.decoder.write(data);
        // Floods would otherwise fill the test's own memory; the tail is what tests look at.
        if (this.output.length > 1_000_000) this.output = this.output.slice(-250_000);
        this.received += data.length;
        if (this.autoAck) this.ack(data.length);
      } else {
        const msg = JSON.parse(data.toString('utf8')) as AgentMessage;
        this.messages.push(msg);
        // As the site does: the snapshot repaints the terminal; it is not flow-controlled output.
        if (msg.type === 'snapshot') this.output += msg.data;
      }
    });
    this.ws.on('close', (code) => (this.closeCode = code));
  }

  static async open(url: string, origin?: string): Promise<TermClient> {
    const client = new TermClient(url, origin);
    await new Promise<void>((resolve, reject) => {
      client.ws.once('open', () => resolve());
      client.ws.once('error', reject);
    });
    return client;
  }

  type(text: string): void {
    this.ws.send(Buffer.from(text, 'utf8'), { binary: true });
  }

  sendText(text: string): void {
    this.ws.send(text);
  }

  ack(bytes: number): void {
    this.ws.send(JSON.stringify({ type: 'ack', bytes }));
  }

  /** Waits until the output contains `text`. */
  waitForOutput(text: string, timeoutMs = 10_000): Promise<void> {
    return waitUntil(`terminal output ${JSON.stringify(text)}; got ${JSON.stringify(this.output.slice(-300))}`,
      () => this.output.includes(text), timeoutMs);
  }

  waitForMessage<T extends AgentMessage['type']>(type: T, timeoutMs = 10_000): Promise<Extract<AgentMessage, { type: T }>> {
    const find = () => this.messages.find((m): m is Extract<AgentMessage, { type: T }> => m.type === type);
    return waitUntil(`a ${type} message; got ${JSON.stringify(this.messages).slice(0, 500)}`, () => find() !== undefined, timeoutMs)
      .then(() => find()!);
  }

  /** Sends a line and waits for `marker` to come back: the quotes keep the echo of the typed line from matching. */
  async run(command: string, marker: string, timeoutMs = 10_000): Promise<void> {
    this.type(`${command}\r`);
    await this.waitForOutput(marker, timeoutMs);
  }

  close(): Promise<number> {
    this.ws.close();
    return this.waitForClose();
  }

  waitForClose(timeoutMs = 10_000): Promise<number> {
    return waitUntil('the socket to close', () => this.closeCode !== null, timeoutMs).then(() => this.closeCode!);
  }
}

/** The HTTP status of a refused WebSocket handshake (fails if the handshake succeeds). */
export function upgradeStatus(url: string, headers: { origin?: string } = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, headers.origin ? { origin: headers.origin } : {});
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.on('open', () => {
      ws.terminate();
      reject(new Error(`the WebSocket handshake to ${url} succeeded but should have been refused`));
    });
    ws.on('error', (err) => reject(err));
  });
}

/** `pid` and every process below it, from the host's /proc. */
export function processTree(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // Field 4 (ppid) follows the ")" that ends the command name, which may hold spaces.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(name), ppid);
    } catch {
      // The process ended while we looked.
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    for (const [child, parent] of parents) if (parent === tree[i]) tree.push(child);
  }
  return tree.filter((p) => parents.has(p));
}

export function alive(pid: number): boolean {
  return existsSync(`/proc/${pid}`);
}

/**
 * The sandbox tools (`byhand` inside a sandbox) where `npm run setup` made them: the agent's
 * throwaway state dir has none. Fails saying how to get them.
 */
export function requireSetupTools(): void {
  process.env.BYHAND_TOOLS_DIR ||= join('/var/lib/byhand', 'tools');
  const tools = process.env.BYHAND_TOOLS_DIR;
  if (!existsSync(join(tools, 'bin', 'byhand'))) {
    throw new Error(`the sandbox tools are missing (no ${tools}/bin/byhand): run \`npm run setup\` or set BYHAND_TOOLS_DIR`);
  }
}
