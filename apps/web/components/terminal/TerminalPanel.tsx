'use client';

import dynamic from 'next/dynamic';
import { useCallback, useEffect, useMemo, useState, type KeyboardEvent } from 'react';
import { onSelectTerminal, setTerminalState, type TerminalState } from '../../lib/terminal-bus';
import type { LearnerSession } from '@byhand/protocol';
import { AccessCodeForm } from './AccessCodeForm';
import { OpenSandboxes } from './OpenSandboxes';
import { SessionClient } from './session-client';

// xterm.js needs the DOM: load it in the browser only, in a chunk of its own.
const XtermView = dynamic(() => import('./XtermView'), {
  ssr: false,
  loading: () => <p className="p-4 font-mono text-sm text-zinc-400">Loading the terminal…</p>,
});

interface Tab {
  state: TerminalState;
  message: string;
  notice: string | null;
  /** Bumped to reconnect this tab's terminal from scratch. */
  key: number;
  /** A second shell starts only when its tab is first opened. */
  opened: boolean;
  /** The learner's open sandboxes, when they are at their cap and this one could not start. */
  limit: LearnerSession[] | null;
  /** The class has an access code that this browser has not given (rightly) yet. */
  askCode: boolean;
}

const STARTING: Pick<Tab, 'state' | 'message' | 'notice' | 'limit' | 'askCode'> = {
  state: 'connecting',
  message: 'Starting your sandbox…',
  notice: null,
  limit: null,
  askCode: false,
};

const DOT: Record<TerminalState, string> = {
  connecting: 'bg-amber-400 animate-pulse',
  ready: 'bg-emerald-400',
  reconnecting: 'bg-amber-400 animate-pulse',
  ended: 'bg-zinc-400',
  error: 'bg-red-500',
};

/**
 * The lesson's terminals: shells in the learner's sandbox (one tab per label), a status bar, a
 * Reconnect button when a connection is lost for good, and Restart for a fresh sandbox.
 */
export function TerminalPanel({ lesson, labels = ['Terminal'] }: { lesson: string; labels?: string[] }) {
  const client = useMemo(() => new SessionClient(lesson), [lesson]);
  const ids = labels.map((_, i) => String(i + 1));
  const [active, setActive] = useState('1');
  const [tabs, setTabs] = useState<Record<string, Tab>>(() =>
    Object.fromEntries(ids.map((id) => [id, { ...STARTING, key: 0, opened: id === '1' }])),
  );
  const update = useCallback((id: string, patch: Partial<Tab>) => setTabs((t) => ({ ...t, [id]: { ...t[id]!, ...patch } })), []);

  const select = useCallback((id: string) => {
    setActive(id);
    setTabs((t) => (t[id] ? { ...t, [id]: { ...t[id], opened: true } } : t));
  }, []);
  useEffect(() => onSelectTerminal(select), [select]);
  useEffect(() => {
    for (const [id, tab] of Object.entries(tabs)) setTerminalState(id, tab.opened ? tab.state : 'connecting');
  }, [tabs]);

  const reconnect = (id: string) => update(id, { ...STARTING, key: tabs[id]!.key + 1 });
  const restart = () => {
    client.replaceOnNextAttach();
    setTabs((t) => Object.fromEntries(Object.entries(t).map(([id, tab]) => [id, { ...tab, ...STARTING, key: tab.key + 1 }])));
  };

  const current = tabs[active]!;
  const over = current.state === 'ended' || current.state === 'error';
  const onTabKey = (event: KeyboardEvent) => {
    const i = ids.indexOf(active);
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (step === 0) return;
    event.preventDefault();
    const next = ids[(i + step + ids.length) % ids.length]!;
    select(next);
    document.getElementById(`terminal-tab-${next}`)?.focus();
  };

  return (
    <section
      data-testid="terminal"
      data-state={current.state}
      aria-label="Terminal"
      className="flex h-full min-h-0 flex-col overflow-hidden rounded-lg border border-zinc-800 bg-zinc-950 text-zinc-200 shadow-sm"
    >
      <header className="flex items-center gap-3 border-b border-zinc-800 px-3 py-2 text-xs">
        <span className={`h-2 w-2 shrink-0 rounded-full ${DOT[current.state]}`} aria-hidden />
        <span className="font-semibold uppercase tracking-wide text-zinc-300">{current.state}</span>
        <span role="status" className="min-w-0 flex-1 truncate text-zinc-300" title={current.message}>
          {current.state === 'error' ? 'Not connected' : current.message}
        </span>
        {over ? (
          <button type="button" onClick={() => reconnect(active)} className={`${BUTTON} bg-emerald-700 text-white hover:bg-emerald-600`}>
            Reconnect
          </button>
        ) : null}
        <button type="button" onClick={restart} className={`${BUTTON} text-zinc-200 hover:bg-zinc-800`} title="End this sandbox and start a fresh one">
          Restart
        </button>
      </header>
      {ids.length > 1 ? (
        <div role="tablist" aria-label="Terminals" className="flex gap-1 border-b border-zinc-800 px-2 pt-1.5" onKeyDown={onTabKey}>
          {ids.map((id, i) => (
            <button
              key={id}
              id={`terminal-tab-${id}`}
              type="button"
              role="tab"
              aria-selected={id === active}
              aria-controls={`terminal-panel-${id}`}
              tabIndex={id === active ? 0 : -1}
              onClick={() => select(id)}
              className={`rounded-t px-3 py-1 text-xs font-medium focus-visible:outline-2 focus-visible:outline-emerald-400 ${
                id === active ? 'bg-zinc-800 text-white' : 'text-zinc-300 hover:bg-zinc-900'
              }`}
            >
              <span className={`mr-1.5 inline-block h-1.5 w-1.5 rounded-full align-middle ${DOT[tabs[id]!.state]}`} aria-hidden />
              {labels[i]}
            </button>
          ))}
        </div>
      ) : null}
      {current.state === 'error' ? (
        <div role="alert" className="border-b border-zinc-800 bg-red-500/10 px-3 py-2 text-sm text-red-200">
          <p>{current.message}</p>
          {current.limit ? <OpenSandboxes lesson={lesson} sessions={current.limit} onEnded={() => reconnect(active)} /> : null}
          {current.askCode ? (
            <AccessCodeForm
              onCode={(code) => {
                client.useAccessCode(code);
                reconnect(active);
              }}
            />
          ) : null}
        </div>
      ) : current.notice ? (
        <p role="alert" className="border-b border-zinc-800 bg-amber-500/10 px-3 py-1.5 text-xs text-amber-200">
          {current.notice}
        </p>
      ) : null}
      {ids.map((id) => {
        const tab = tabs[id]!;
        return (
          <div
            key={id}
            id={`terminal-panel-${id}`}
            data-testid={`terminal-${id}`}
            data-state={tab.state}
            role={ids.length > 1 ? 'tabpanel' : undefined}
            aria-labelledby={ids.length > 1 ? `terminal-tab-${id}` : undefined}
            className={id === active ? 'min-h-0 flex-1 p-2' : 'hidden'}
          >
            {tab.opened ? (
              <XtermView
                key={tab.key}
                client={client}
                terminal={id}
                onStatus={(state, message) => update(id, { state, message })}
                onNotice={(notice) => update(id, { notice })}
                onSessionId={() => undefined}
                onLimit={(limit) => update(id, { limit })}
                onAccessCode={() => update(id, { askCode: true })}
              />
            ) : null}
          </div>
        );
      })}
      <footer className="border-t border-zinc-800 px-3 py-1.5 text-[11px] text-zinc-400">
        Click the terminal to type. <kbd className="font-mono">Ctrl+Shift+C</kbd> copies the selection,{' '}
        <kbd className="font-mono">Ctrl+Shift+V</kbd> pastes.
      </footer>
    </section>
  );
}

const BUTTON = 'rounded px-2.5 py-1 font-medium focus-visible:outline-2 focus-visible:outline-emerald-400';
