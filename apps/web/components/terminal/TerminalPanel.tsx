'use client';

import dynamic from 'next/dynamic';
import { useCallback, useEffect, useState } from 'react';
import { setTerminalState, type TerminalState } from '../../lib/terminal-bus';

// xterm.js needs the DOM: load it in the browser only.
const XtermView = dynamic(() => import('./XtermView'), {
  ssr: false,
  loading: () => <p className="p-4 font-mono text-sm text-zinc-400">Loading the terminal…</p>,
});

interface Status {
  state: TerminalState;
  message: string;
}

const STARTING: Status = { state: 'connecting', message: 'Starting your sandbox…' };

const DOT: Record<TerminalState, string> = {
  connecting: 'bg-amber-400 animate-pulse',
  ready: 'bg-emerald-400',
  ended: 'bg-zinc-400',
  error: 'bg-red-500',
};

/** The lesson's terminal: a shell in a fresh sandbox, a status bar and a Restart button. */
export function TerminalPanel({ lesson }: { lesson: string }) {
  const [attempt, setAttempt] = useState(0);
  const [status, setStatus] = useState<Status>(STARTING);
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(() => setTerminalState(status.state), [status.state]);
  useEffect(() => () => setTerminalState('connecting'), []);

  const onStatus = useCallback((state: TerminalState, message: string) => setStatus({ state, message }), []);
  const restart = () => {
    setStatus(STARTING);
    setNotice(null);
    setAttempt((n) => n + 1);
  };
  const over = status.state === 'ended' || status.state === 'error';

  return (
    <section
      data-testid="terminal"
      data-state={status.state}
      aria-label="Terminal"
      className="flex h-full min-h-0 flex-col overflow-hidden rounded-lg border border-zinc-800 bg-zinc-950 text-zinc-200 shadow-sm"
    >
      <header className="flex items-center gap-3 border-b border-zinc-800 px-3 py-2 text-xs">
        <span className={`h-2 w-2 shrink-0 rounded-full ${DOT[status.state]}`} aria-hidden />
        <span className="font-semibold uppercase tracking-wide text-zinc-400">{status.state}</span>
        <span role="status" className="min-w-0 flex-1 truncate text-zinc-300" title={status.message}>
          {status.state === 'error' ? 'Not connected' : status.message}
        </span>
        <button
          type="button"
          onClick={restart}
          className={`rounded px-2.5 py-1 font-medium focus-visible:outline-2 focus-visible:outline-emerald-400 ${
            over ? 'bg-emerald-600 text-white hover:bg-emerald-500' : 'text-zinc-300 hover:bg-zinc-800'
          }`}
          title="End this sandbox and start a fresh one"
        >
          Restart
        </button>
      </header>
      {status.state === 'error' ? (
        <p role="alert" className="border-b border-zinc-800 bg-red-500/10 px-3 py-2 text-sm text-red-200">
          {status.message}
        </p>
      ) : notice ? (
        <p role="alert" className="border-b border-zinc-800 bg-amber-500/10 px-3 py-1.5 text-xs text-amber-200">
          {notice}
        </p>
      ) : null}
      <div className="min-h-0 flex-1 p-2">
        <XtermView key={attempt} lesson={lesson} onStatus={onStatus} onNotice={setNotice} onSessionId={() => setNotice(null)} />
      </div>
      <footer className="border-t border-zinc-800 px-3 py-1.5 text-[11px] text-zinc-500">
        Click the terminal to type. <kbd className="font-mono">Ctrl+Shift+C</kbd> copies the selection,{' '}
        <kbd className="font-mono">Ctrl+Shift+V</kbd> pastes.
      </footer>
    </section>
  );
}
