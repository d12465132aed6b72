'use client';

import { useId, useState, type ReactNode } from 'react';

/**
 * <Quiz question="…" options={["…", "…"]} answer={1}>why</Quiz>: one question, one right
 * option (counted from 0); the explanation shows once the learner picks the right one.
 */
export function Quiz({ question, options, answer, children }: { question: string; options: string[]; answer: number; children?: ReactNode }) {
  const name = useId();
  const [picked, setPicked] = useState<number | null>(null);
  const [submitted, setSubmitted] = useState<number | null>(null);
  const right = submitted === answer;

  return (
    <form
      data-testid="quiz"
      className="not-prose my-6 rounded-lg border border-zinc-300 p-4 dark:border-zinc-700"
      onSubmit={(e) => {
        e.preventDefault();
        setSubmitted(picked);
      }}
    >
      <fieldset>
        <legend className="text-sm font-semibold">Quiz: {question}</legend>
        <div className="mt-3 space-y-2">
          {options.map((option, i) => (
            <label key={option} className="flex cursor-pointer items-start gap-2 text-sm">
              <input
                type="radio"
                name={name}
                value={i}
                checked={picked === i}
                onChange={() => setPicked(i)}
                className="mt-0.5 accent-emerald-600 focus-visible:outline-2 focus-visible:outline-emerald-500"
              />
              <span>{option}</span>
            </label>
          ))}
        </div>
      </fieldset>
      <button
        type="submit"
        disabled={picked === null}
        className="mt-3 rounded-md bg-emerald-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-emerald-600 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-emerald-500 disabled:cursor-not-allowed disabled:bg-zinc-400 dark:disabled:bg-zinc-700"
      >
        Answer
      </button>
      <div aria-live="polite" className="text-sm">
        {submitted === null ? null : right ? (
          <div className="mt-3">
            <p className="font-medium text-emerald-800 dark:text-emerald-300">Right.</p>
            {children ? <div className="mt-1 text-zinc-700 dark:text-zinc-300">{children}</div> : null}
          </div>
        ) : (
          <p className="mt-3 font-medium text-red-800 dark:text-red-300">Not quite: try another answer.</p>
        )}
      </div>
    </form>
  );
}
