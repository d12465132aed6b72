/**
 * Starts a container's helper and sees it through to its exit: records its pids in state.json,
 * its exit code and OOM kill when it ends, and removes it afterwards when it was `--rm`.
 * The CLI does this itself for `run`; for `run -d` and `create` a detached monitor process does
 * (`byhand __monitor`, in cli/run.ts), so the record outlives the CLI.
 */
import { spawn, type StdioOptions } from 'node:child_process';
import type { Socket } from 'node:net';
import { closeSync, constants as fsConstants, existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { constants } from 'node:os';
import { initHelperPath } from '../paths.js';
import { processRef, waitUntil } from '../proc.js';
import type { Container, StateStore } from '../state.js';
import { formatTraceEvent, TraceLineReader, type TraceEvent } from '../explain.js';
import { containerCgroupName, createContainerCgroup, type Cgroup, type CgroupLayout } from './cgroup.js';
import { resolveCommand } from './command.js';
import { containerFiles } from './files.js';
import { helperArgs } from './invocation.js';
import { STEP_FD, StepSession, type StepController } from './step.js';
import { createSteppedCgroup } from './step-cgroup.js';
import { makeExecFifo } from './start.js';
import { prepareContainerNetwork, type ContainerNetwork } from '../network/container.js';

export interface LaunchOptions {
  /** stdin, stdout, stderr of the helper. */
  stdio: Array<'inherit' | 'ignore' | number>;
  /** Where --explain lines go; undefined when not explaining. */
  explain?: (line: string) => void;
  /** For `create`: the helper sets everything up, then waits for `start`. */
  waitForStart?: boolean;
  /** Forward these signals received by this process to the helper. */
  forwardSignals?: boolean;
  /** Errors of the runtime itself (shown on stderr, or in the log of a detached container). */
  onError: (message: string) => void;
  /** `run --step`: asked before each step; an abort removes everything, the container too. */
  step?: StepController;
}

const TRACE_FD = 3;

/** The pid file appears once the container's pid 1 exists. */
function readPid(path: string): number | null {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function joinsOf(store: StateStore, c: Container): string[] {
  const joins = [...(c.config.joins ?? [])];
  if (c.config.network.kind === 'container') {
    const other = store.find(c.config.network.ref);
    if (other.state.status !== 'running' || !other.state.pid) {
      throw new Error(`--network container:${c.config.network.ref} needs that container running (it is ${other.state.status})`);
    }
    joins.push(`net:/proc/${other.state.pid.pid}/ns/net`);
  }
  return joins;
}

interface Prepared {
  program: string;
  helper: string;
  joins: string[];
  cgroup: Cgroup | null;
  layout: CgroupLayout | null;
  network: ContainerNetwork | null;
}

/** Everything before the helper runs: the program, the writable layer, namespaces to join, the cgroup. */
async function prepare(store: StateStore, c: Container, trace: ((e: TraceEvent) => void) | undefined,
  onError: (message: string) => void, session: StepSession | null): Promise<Prepared | { error: string; code: number }> {
  const files = containerFiles(c.dir);
  const [name] = c.config.command;
  if (!name) return { error: 'no command: give one after the image name, or import the image with a default command', code: 125 };
  const program = resolveCommand(name, [files.upper, ...c.config.layers], c.config.env, c.config.workdir);
  if (!program) return { error: `exec: "${name}": executable file not found in $PATH`, code: 127 };
  try {
    mkdirSync(files.upper, { recursive: true });
    mkdirSync(files.work, { recursive: true });
    const joins = joinsOf(store, c);
    const helper = initHelperPath();
    const net = c.config.network;
    const network = net.kind === 'bridge'
      ? await prepareContainerNetwork(store.root, { id: c.state.id, name: c.state.name, network: net.network, ip: net.ip, ports: net.ports },
        { upper: files.upper, layers: c.config.layers }, trace)
      : null;
    const [cgroupName, note] = [containerCgroupName(store.root, c.state.id), (n: string) => onError(`note: ${n}`)];
    const made = await (session ? createSteppedCgroup(session, cgroupName, c.config.limits, trace, note)
      : createContainerCgroup(cgroupName, c.config.limits, trace, note));
    for (const note of made?.cgroup.notes ?? []) onError(`note: ${note}`);
    return { program, helper, joins, cgroup: made?.cgroup ?? null, layout: made?.layout ?? null, network };
  } catch (err) {
    return { error: (err as Error).message, code: 125 };
  }
}

/** Runs the container to its end; returns its exit code (125 when the runtime failed). */
export async function launch(store: StateStore, c: Container, opts: LaunchOptions): Promise<number> {
  const id = c.state.id;
  const files = containerFiles(c.dir);
  const session = opts.step ? await StepSession.start(opts.step) : null;
  const fail = (message: string, code: number): number => {
    opts.onError(message);
    finish(store, c, code, null, message);
    return session?.finish(store, c, code, () => {}) ?? code;
  };
  const explain = opts.explain ? (e: TraceEvent) => opts.explain!(formatTraceEvent(e)) : undefined;
  const trace = session ? session.tracer(explain) : explain;
  const prepared = await prepare(store, c, trace, opts.onError, session);
  if ('error' in prepared) return fail(prepared.error, prepared.code);
  const { program, helper, joins, cgroup, layout, network } = prepared;
  // A container to plug in waits on the exec fifo, as a created one does, until it is.
  const holdForNetwork = network !== null && !opts.waitForStart;
  if (holdForNetwork) {
    rmSync(files.fifo, { force: true });
    makeExecFifo(files.fifo);
  }
  const config = network ? { ...c.config, volumes: [...c.config.volumes, network.hostsVolume] } : c.config;
  const args = helperArgs(config, {
    ...files,
    waitFifo: opts.waitForStart || holdForNetwork ? files.fifo : undefined,
    cgroupProcs: cgroup?.procsFiles() ?? [],
    traceFd: trace ? TRACE_FD : undefined,
    joins,
  }, [program, ...c.config.command.slice(1)]);
  const stdio = [...opts.stdio, ...(trace ? ['pipe'] : []), ...(session ? ['pipe'] : [])] as StdioOptions;
  const child = spawn(helper, session ? ['--step-fd', String(STEP_FD), ...args] : args, { stdio });
  if (trace) {
    const reader = new TraceLineReader(trace, opts.explain ?? (() => {}));
    (child.stdio[TRACE_FD] as NodeJS.ReadableStream).on('data', (d: Buffer) => reader.push(d.toString()));
  }
  session?.attach(child.pid, child.stdio[STEP_FD] as Socket);
  const forward = (sig: NodeJS.Signals) => child.kill(sig);
  if (opts.forwardSignals) for (const sig of FORWARDED) process.on(sig, forward);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
    child.on('error', (error) => resolve({ code: null, signal: null, error }));
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  store.update(id, {
    helper: child.pid ? processRef(child.pid) : null,
    owner: processRef(process.pid),
    status: opts.waitForStart ? 'created' : 'running',
    startedAt: opts.waitForStart ? null : new Date().toISOString(),
    cgroupPath: cgroup?.path ?? null,
    cgroupLayout: layout,
    cgroupName: cgroup?.name ?? null,
  });
  let done = false;
  // Set by the callback below (an object: TypeScript does not follow assignments made in callbacks).
  const plug = { error: null as string | null, fifo: null as { abort(): void } | null };
  const started = waitUntil(() => done || readPid(files.pidFile) !== null, 60_000).then(async () => {
    const pid = readPid(files.pidFile);
    if (done || !pid) return;
    if (network) {
      try {
        await network.connect(pid);
      } catch (err) {
        plug.error = (err as Error).message;
        child.kill('SIGKILL');
        return;
      }
      if (holdForNetwork) plug.fifo = releaseFifo(files.fifo);
    }
    store.update(id, { pid: processRef(pid) });
  });
  const { code, signal, error } = await exited;
  done = true;
  plug.fifo?.abort();
  await started;
  await network?.teardown().catch((err: Error) => opts.onError(`could not unplug the container from its network (byhand gc retries): ${err.message}`));
  if (opts.forwardSignals) for (const sig of FORWARDED) process.off(sig, forward);
  const oomKilled = cgroup?.oomKilled() ?? false;
  try {
    await cgroup?.kill();
    await cgroup?.remove();
  } catch (err) {
    opts.onError(`could not remove the container's cgroup (byhand gc retries): ${(err as Error).message}`);
  }
  if (error) return fail(`cannot start the runtime helper ${helper}: ${error.message}`, 125);
  if (plug.error) return fail(`cannot connect the container to its network: ${plug.error}`, 125);
  const exitCode = code ?? 128 + signalNumber(signal);
  finish(store, c, exitCode, oomKilled);
  return session?.finish(store, c, exitCode, opts.onError) ?? exitCode;
}

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Lets a container waiting on its exec fifo go on (the helper's open for writing returns once
 * we open it for reading). abort(): should the helper die first, our own writer ends the wait.
 */
function releaseFifo(path: string): { abort(): void } {
  let pending = true;
  void open(path, 'r').then((fh) => fh.close(), () => undefined).finally(() => { pending = false; });
  return {
    abort() {
      if (!pending) return;
      try {
        closeSync(openSync(path, fsConstants.O_WRONLY | fsConstants.O_NONBLOCK));
      } catch {
        // no reader left waiting: nothing to end
      }
    },
  };
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal ? constants.signals[signal] : 0;
}

function finish(store: StateStore, c: Container, exitCode: number, oomKilled: boolean | null, error?: string): void {
  if (!existsSync(c.dir)) return;
  if (c.config.autoRemove) {
    store.remove(c);
    return;
  }
  store.update(c.state.id, {
    status: 'stopped', exitCode, oomKilled: oomKilled ?? false, finishedAt: new Date().toISOString(),
    ...(error ? { error } : {}),
  });
}
