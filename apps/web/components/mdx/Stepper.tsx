'use client';

import { useSyncExternalStore } from 'react';
import {
  getServerTerminalState, getServerTraces, getTerminalState, getTraces, runInTerminal, subscribeTerminalState,
  subscribeTraces, type TraceEvent,
} from '../../lib/terminal-bus';
import { Diagram, DOCKER_RUN_STAGES } from './Diagram';

/**
 * <Stepper command="byhand run --step --rm -it busybox sh" diagram="docker-run" />: makes a
 * container one step at a time in the learner's own sandbox. Start types the command into
 * terminal 1; Next, Continue and Abort type Enter, c and q into it, exactly what the learner
 * could type themselves. Progress comes back as the trace events `byhand run --step` writes to
 * the sandbox's trace socket (source "byhand-step"), so terminal 2 stays free for looking at
 * the half-built container.
 */
export function Stepper({ command, diagram }: { command: string; diagram?: 'docker-run' }) {
  const traces = useSyncExternalStore(subscribeTraces, getTraces, getServerTraces);
  const terminal = useSyncExternalStore(subscribeTerminalState, () => getTerminalState('1'), getServerTerminalState);
  const run = latestRun(traces);
  const last = run.rows.at(-1);
  const waiting = last?.status === 'waiting' && !run.end ? last : undefined;
  const running = run.rows.length > 0 && !run.end;
  const ready = terminal === 'ready';
  return (
    <section data-testid="stepper" aria-label="Step through the container's creation" className="not-prose my-6 rounded-lg border border-zinc-300 dark:border-zinc-700">
      <div className="flex flex-wrap items-center gap-2 border-b border-zinc-200 px-4 py-2 dark:border-zinc-800">
        <code className="min-w-0 flex-1 break-words font-mono text-sm">{command}</code>
        <button type="button" className={BUTTON} disabled={!ready || running} onClick={() => runInTerminal(command)}>
          {run.end ? 'Start again' : 'Start'}
        </button>
        <button type="button" className={BUTTON} disabled={!ready || !waiting} onClick={() => runInTerminal('')}>
          Next
        </button>
        <button type="button" className={BUTTON} disabled={!ready || !waiting} onClick={() => runInTerminal('c')}>
          Continue
        </button>
        <button type="button" className={`${BUTTON} bg-red-700 hover:bg-red-600`} disabled={!ready || !waiting} onClick={() => runInTerminal('q')}>
          Abort
        </button>
      </div>
      {diagram ? <Diagram name={diagram} highlight={waiting ? stageOf(waiting) : undefined} /> : null}
      <p role="status" className="px-4 py-2 text-sm text-zinc-700 dark:text-zinc-300">{statusText(run, waiting)}</p>
      {run.rows.length > 0 ? (
        <ol tabIndex={0} aria-label="Steps" className="max-h-96 overflow-y-auto px-4 pb-3 font-mono text-xs">
          {run.rows.map((row) => (
            <li key={row.index} data-step-index={row.index} data-step-status={row.status} className={`border-l-2 py-1 pl-3 ${row.status === 'waiting' ? 'border-amber-500 bg-amber-50 dark:bg-amber-950' : 'border-emerald-500'}`}>
              <span className="text-zinc-500">{row.index}. </span>
              <span className="font-semibold">{row.text}</span>
              {row.result !== undefined ? <span className="text-emerald-700 dark:text-emerald-400"> → {row.result}</span> : null}
              {row.status === 'waiting' ? <span className="block font-sans text-zinc-600 dark:text-zinc-400">why: {row.why}</span> : null}
            </li>
          ))}
        </ol>
      ) : null}
    </section>
  );
}

const BUTTON =
  'rounded bg-emerald-700 px-2.5 py-1 text-xs font-medium text-white hover:bg-emerald-600 focus-visible:outline-2 focus-visible:outline-emerald-400 disabled:cursor-not-allowed disabled:bg-zinc-400 dark:disabled:bg-zinc-700';

interface Row {
  index: number;
  step: string;
  text: string;
  why: string;
  result?: string;
  pids?: { helper?: number; container?: number };
  status: 'waiting' | 'done' | 'aborted';
}

interface Run {
  rows: Row[];
  /** The exec has happened: the command runs in terminal 1 (until `end`). */
  started: boolean;
  end?: { aborted: boolean; code: number };
}

/** The steps of the latest `byhand run --step`: from its first announcement on. */
export function latestRun(traces: TraceEvent[]): Run {
  const events = traces.filter((e) => e.source === 'byhand-step');
  const start = events.findLastIndex((e) => e.phase === 'next' && e.index === 1);
  const run: Run = { rows: [], started: false };
  for (const e of start < 0 ? [] : events.slice(start)) {
    const index = Number(e.index);
    if (e.phase === 'next') {
      run.rows.push({ index, step: String(e.step), text: String(e.text), why: String(e.why ?? ''), pids: e.pids as Row['pids'], status: 'waiting' });
    }
    const row = run.rows.find((r) => r.index === index);
    if (e.phase === 'done' && row) Object.assign(row, { status: 'done', result: String(e.result) });
    if (e.phase === 'done' && row?.step === 'execve') run.started = true;
    if (e.phase === 'aborted' && row) row.status = 'aborted';
    if (e.phase === 'end') run.end = { aborted: e.aborted === true, code: Number(e.code) };
  }
  return run;
}

/** Which stage of the docker-run diagram a step belongs to. */
export function stageOf(row: Row): (typeof DOCKER_RUN_STAGES)[number]['id'] {
  if (row.step === 'cgroup') return row.text.endsWith('cgroup.procs') ? 'ids' : 'cgroup';
  if (['clone', 'setns', 'unshare'].includes(row.step)) return 'clone';
  if (['uid_map', 'gid_map', 'become-root'].includes(row.step)) return 'ids';
  if (row.step === 'pivot_root' || row.step === 'umount') return 'pivot';
  if (row.step === 'hostname' || row.step === 'loopback') return 'identity';
  if (['seccomp', 'capabilities', 'no_new_privs', 'user', 'chdir'].includes(row.step)) return 'lockdown';
  if (row.step === 'execve') return 'exec';
  return 'rootfs';
}

function statusText(run: Run, waiting: Row | undefined): string {
  if (run.end?.aborted) return 'Aborted: the runtime removed everything it had made.';
  if (run.end) return `Ended: the container's command exited with code ${run.end.code}.`;
  if (run.started) return 'Done: the container runs its command, in terminal 1.';
  if (waiting) {
    const pid = waiting.pids?.container;
    const look = pid ? ` Look at it from terminal 2: ls -l /proc/${pid}/ns, cat /proc/${pid}/mountinfo.` : '';
    return `Step ${waiting.index} waits: Next runs it.${look}`;
  }
  if (run.rows.length > 0) return 'Running…';
  return 'Start types the command into terminal 1; then each Next runs one step.';
}
