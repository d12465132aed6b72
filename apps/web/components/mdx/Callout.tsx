import type { ReactNode } from 'react';

const STYLES = {
  note: { label: 'Note', box: 'border-sky-500/60 bg-sky-500/5', title: 'text-sky-700 dark:text-sky-300' },
  tip: { label: 'Tip', box: 'border-emerald-500/60 bg-emerald-500/5', title: 'text-emerald-700 dark:text-emerald-300' },
  warning: { label: 'Careful', box: 'border-amber-500/70 bg-amber-500/5', title: 'text-amber-700 dark:text-amber-300' },
} as const;

/** A boxed aside in the lesson text: <Callout type="tip" title="…">…</Callout>. */
export function Callout({ type = 'note', title, children }: { type?: keyof typeof STYLES; title?: string; children: ReactNode }) {
  const style = STYLES[type] ?? STYLES.note;
  return (
    <aside className={`my-6 rounded-md border-l-4 px-4 py-3 ${style.box}`}>
      <p className={`not-prose mb-1 text-sm font-semibold ${style.title}`}>{title ?? style.label}</p>
      <div className="[&>*:first-child]:mt-0 [&>*:last-child]:mb-0">{children}</div>
    </aside>
  );
}
