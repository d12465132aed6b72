/** Test helpers: a real agent on a free loopback port, a real WebSocket terminal client. */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { StringDecoder } from 'node:string_decoder';
import { join } from 'node:path';
import WebSocket from 'ws';
import { initHelperPath, labImageDir } from '@byhand/runtime';
import type { AgentMessage } from '@byhand/protocol';
import { createAgent, type Agent, type AgentConfig } from '../src/index.js';

// The agent's own state (its secret file) goes to a throwaway directory, never /var/lib/byhand.
process.env.BYHAND_STATE_DIR = mkdtempSync(join(tmpdir(), 'byhand-agent-test-'));

/** The real lab image: BYHAND_LAB_IMAGE, or where `npm run setup` builds it. */
export const LAB_IMAGE = process.env.BYHAND_LAB_IMAGE || labImageDir('/var/lib/byhand');

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
    maxSessions: 50,
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

export async function createSession(t: TestAgent, lesson = 'namespaces'): Promise<{ id: string; token: string }> {
  const res = await fetch(`${t.base}/v1/sessions`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${t.secret}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ lesson }),
  });
  if (res.status !== 201) throw new Error(`POST /v1/sessions answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as { id: string; token: string };
}

export function ttyUrl(t: TestAgent, id: string, token: string): string {
  return `${t.wsBase}/v1/sessions/${id}/tty?token=${encodeURIComponent(token)}`;
}

/** Polls `check` until it returns true; fails naming `what` after `timeoutMs`. */
export async function waitUntil(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
        this.received += data.length;
        if (this.autoAck) this.ack(data.length);
      } else {
        this.messages.push(JSON.parse(data.toString('utf8')) as AgentMessage);
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

  waitForMessage(type: AgentMessage['type'], timeoutMs = 10_000): Promise<AgentMessage> {
    return waitUntil(`a ${type} message; got ${JSON.stringify(this.messages)}`,
      () => this.messages.some((m) => m.type === type), timeoutMs)
      .then(() => this.messages.find((m) => m.type === type)!);
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
