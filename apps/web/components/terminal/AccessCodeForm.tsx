'use client';

import { useId, useState, type FormEvent } from 'react';

/** Asks for the class's access code, once: the site keeps it for the rest of the course. */
export function AccessCodeForm({ onCode }: { onCode(code: string): void }) {
  const [code, setCode] = useState('');
  const id = useId();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (code.trim()) onCode(code.trim());
  };
  return (
    <form onSubmit={submit} className="mt-2 flex flex-wrap items-center gap-2 text-zinc-200">
      <label htmlFor={id} className="text-xs">
        Class access code
      </label>
      <input
        id={id}
        value={code}
        onChange={(e) => setCode(e.target.value)}
        autoComplete="off"
        spellCheck={false}
        maxLength={200}
        required
        className="min-w-0 flex-1 rounded border border-zinc-700 bg-zinc-900 px-2 py-1 font-mono text-xs text-zinc-100 focus-visible:outline-2 focus-visible:outline-emerald-400"
      />
      <button
        type="submit"
        className="rounded bg-emerald-700 px-2 py-1 text-xs font-medium text-white hover:bg-emerald-600 focus-visible:outline-2 focus-visible:outline-emerald-400"
      >
        Join the class
      </button>
    </form>
  );
}
