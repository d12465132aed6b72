'use client';

import { useContext, useEffect, useRef, useState, useSyncExternalStore, type ReactNode } from 'react';
import { lessonProgress, markPassed, serverProgress, subscribeProgress } from '../../lib/progress';
import {
  getServerTerminalState,
  getTerminalState,
  onCheckResult,
  requestCheck,
  subscribeTerminalState,
  type CheckResult,
} from '../../lib/terminal-bus';
import { LessonContext } from '../lesson/LessonContext';

/** The agent gives a check 10 s; allow for the round trip on top. */
const ANSWER_TIMEOUT_MS = 20_000;

type Status = 'idle' | 'running' | 'passed' | 'failed';

/**
 * <Check id="…">what it verifies</Check>: runs content/lessons/<lesson>/checks/<id>.sh inside the
 * learner's sandbox and shows pass or fail with the script's message. A pass is remembered.
 */
export function Check({ id, children }: { id: string; children?: ReactNode }) {
  const lesson = useContext(LessonContext);
  const terminal = useSyncExternalStore(subscribeTerminalState, () => getTerminalState(), getServerTerminalState);
  const progress = useSyncExternalStore(subscribeProgress, () => lessonProgress(lesson), serverProgress);
  const [result, setResult] = useState<CheckResult | null>(null);
  const [running, setRunning] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);

  useEffect(
    () =>
      onCheckResult((r) => {
        if (r.id !== id) return;
        clearTimeout(timer.current);
        setRunning(false);
        setResult(r);
        if (r.ok) markPassed(lesson, id);
      }),
    [id, lesson],
  );
  useEffect(() => () => clearTimeout(timer.current), []);

  const run = () => {
    if (!requestCheck(id)) return;
    setRunning(true);
    setResult(null);
    timer.current = setTimeout(() => {
      setRunning(false);
      setResult({ id, ok: false, message: 'The sandbox did not answer. Is the terminal connected? Try again.' });
    }, ANSWER_TIMEOUT_MS);
  };

  const passedBefore = progress.passed.includes(id);
  const status: Status = running ? 'running' : result ? (result.ok ? 'passed' : 'failed') : passedBefore ? 'passed' : 'idle';
  const style = STYLE[status];

  return (
    <section data-testid="check" data-check-id={id} data-status={status} aria-label={`Check: ${id}`} className={`not-prose my-6 rounded-lg border p-4 ${style.box}`}>
      <div className="flex flex-wrap items-start gap-3">
        <span aria-hidden className={`mt-0.5 flex h-6 w-6 shrink-0 items-center justify-center rounded-full text-sm font-bold ${style.badge}`}>
          {style.icon}
        </span>
        <div className="min-w-0 flex-1 text-sm">
          <p className="font-semibold">Check</p>
          <div className="mt-0.5 text-zinc-700 dark:text-zinc-300 [&_code]:font-mono [&_code]:text-[0.85em]">{children}</div>
        </div>
        <button
          type="button"
          onClick={run}
          disabled={terminal !== 'ready' || running}
          title={terminal === 'ready' ? 'Run this check inside your sandbox' : 'The terminal is not connected'}
          className="rounded-md bg-emerald-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-emerald-600 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-emerald-500 disabled:cursor-not-allowed disabled:bg-zinc-400 dark:disabled:bg-zinc-700"
        >
          {running ? 'Checking…' : status === 'idle' ? 'Check' : 'Check again'}
        </button>
      </div>
      <div aria-live="polite" className="text-sm">
        {status === 'passed' ? (
          <p className="mt-3 font-medium text-emerald-800 dark:text-emerald-300">{result ? 'Passed.' : 'Passed earlier.'}</p>
        ) : status === 'failed' ? (
          <p className="mt-3 font-medium text-red-800 dark:text-red-300">Not yet.</p>
        ) : null}
        {result?.message ? (
          <pre className="mt-2 whitespace-pre-wrap break-words rounded bg-white/60 p-2 font-mono text-xs text-zinc-800 dark:bg-black/30 dark:text-zinc-200">
            {result.message.trim()}
          </pre>
        ) : null}
      </div>
    </section>
  );
}

const STYLE: Record<Status, { box: string; badge: string; icon: string }> = {
  idle: { box: 'border-zinc-300 dark:border-zinc-700', badge: 'bg-zinc-200 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300', icon: '?' },
  running: { box: 'border-amber-400', badge: 'bg-amber-100 text-amber-800 animate-pulse', icon: '…' },
  passed: { box: 'border-emerald-500 bg-emerald-50 dark:bg-emerald-500/10', badge: 'bg-emerald-700 text-white', icon: '✓' },
  failed: { box: 'border-red-400 bg-red-50 dark:bg-red-500/10', badge: 'bg-red-600 text-white', icon: '✗' },
};
