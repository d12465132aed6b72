'use client';

import type { LearnerSession } from '@byhand/protocol';
import { useState } from 'react';
import { endSession } from './session-client';

function age(createdAt: string, now: number): string {
  const minutes = Math.max(0, Math.round((now - Date.parse(createdAt)) / 60_000));
  if (minutes < 1) return 'started just now';
  if (minutes < 60) return `started ${minutes} min ago`;
  return `started ${Math.floor(minutes / 60)} h ${minutes % 60} min ago`;
}

/**
 * Shown when the learner is at their cap: their open sandboxes (lesson, age), each with a button
 * that ends it; then this lesson's terminal starts again.
 */
export function OpenSandboxes({ lesson, sessions, onEnded }: { lesson: string; sessions: LearnerSession[]; onEnded(): void }) {
  const [ending, setEnding] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const now = Date.now();
  const end = async (id: string) => {
    setEnding(id);
    setFailure(null);
    try {
      await endSession(id);
      onEnded();
    } catch (err) {
      setFailure((err as Error).message);
      setEnding(null);
    }
  };
  return (
    <div className="mt-2 text-zinc-200">
      <p className="text-xs">Your open sandboxes: end one to start this lesson&apos;s ({lesson}).</p>
      <ul aria-label="Your open sandboxes" className="mt-1 divide-y divide-zinc-800 rounded border border-zinc-800">
        {sessions.map((s) => (
          <li key={s.id} data-testid="open-sandbox" className="flex items-center gap-3 px-2 py-1.5 text-xs">
            <span className="font-mono">{s.lesson}</span>
            <span className="flex-1 text-zinc-400">
              {age(s.createdAt, now)}
              {s.attached ? ', open in another tab' : ''}
            </span>
            <button
              type="button"
              disabled={ending !== null}
              onClick={() => void end(s.id)}
              className="rounded bg-zinc-800 px-2 py-0.5 font-medium hover:bg-zinc-700 focus-visible:outline-2 focus-visible:outline-emerald-400 disabled:opacity-50"
            >
              {ending === s.id ? 'Ending…' : `End ${s.lesson}`}
            </button>
          </li>
        ))}
      </ul>
      {failure ? <p className="mt-1 text-xs">{failure}</p> : null}
    </div>
  );
}
