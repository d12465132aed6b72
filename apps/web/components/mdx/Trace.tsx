'use client';

import { useSyncExternalStore } from 'react';
import { getServerTraces, getTraces, subscribeTraces, type TraceEvent } from '../../lib/terminal-bus';

/**
 * <Trace />: the runtime's steps for this sandbox as a timeline (each mount, clone flag, cgroup
 * write, `ip` command…), live as the agent forwards them. `step="mount"` shows only steps whose
 * name starts with that.
 */
export function Trace({ step, title = 'What the runtime did' }: { step?: string; title?: string }) {
  const all = useSyncExternalStore(subscribeTraces, getTraces, getServerTraces);
  const events = step ? all.filter((e) => String(e.step ?? '').startsWith(step)) : all;
  return (
    <section data-testid="trace" aria-label={title} className="not-prose my-6 rounded-lg border border-zinc-300 dark:border-zinc-700">
      <h3 className="border-b border-zinc-200 px-4 py-2 text-sm font-semibold dark:border-zinc-800">{title}</h3>
      {events.length === 0 ? (
        <p className="px-4 py-3 text-sm text-zinc-600 dark:text-zinc-400">
          Nothing yet: the runtime&apos;s steps appear here as your sandbox reports them.
        </p>
      ) : (
        // Focusable so keyboard users can scroll a long timeline.
        <ol tabIndex={0} aria-label={`${title}: ${events.length} steps`} className="max-h-80 overflow-y-auto px-4 py-2 font-mono text-xs focus-visible:outline-2 focus-visible:outline-emerald-500">
          {events.map((event, i) => (
            <TraceRow key={i} event={event} />
          ))}
        </ol>
      )}
    </section>
  );
}

function TraceRow({ event }: { event: TraceEvent }) {
  const what = String(event.command ?? event.syscall ?? event.step ?? 'event');
  const args = Array.isArray(event.args) ? event.args.map(show).join(' ') : event.args === undefined ? '' : show(event.args);
  const failed = event.result !== undefined && event.result !== 0 && event.result !== 'ok';
  return (
    <li className="flex gap-3 border-l-2 border-emerald-500 py-1 pl-3">
      <span className="w-14 shrink-0 text-right tabular-nums text-zinc-500">{typeof event.ms === 'number' ? `${event.ms.toFixed(1)} ms` : ''}</span>
      <span className="min-w-0 flex-1 break-words">
        {event.step ? <span className="text-zinc-500">{String(event.step)} · </span> : null}
        <span className="font-semibold">{what}</span> {args}
        {event.result !== undefined ? (
          <span className={failed ? ' text-red-700 dark:text-red-400' : ' text-emerald-700 dark:text-emerald-400'}> → {show(event.result)}</span>
        ) : null}
      </span>
    </li>
  );
}

function show(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
}
