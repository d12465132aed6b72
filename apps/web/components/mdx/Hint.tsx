import type { ReactNode } from 'react';

/** Help the learner opens only when stuck: <Hint title="…">…</Hint>. */
export function Hint({ title = 'Hint', children }: { title?: string; children: ReactNode }) {
  return (
    <details className="group my-6 rounded-md border border-zinc-300 px-4 py-2 dark:border-zinc-700">
      <summary className="cursor-pointer select-none text-sm font-semibold text-zinc-700 dark:text-zinc-300">
        {title}
      </summary>
      <div className="pt-2 [&>*:first-child]:mt-0 [&>*:last-child]:mb-0">{children}</div>
    </details>
  );
}
