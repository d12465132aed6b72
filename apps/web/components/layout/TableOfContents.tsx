import type { Heading } from '../../lib/mdx';

/** The lesson's sections (h2, with their h3 below), as links to their anchors. */
export function TableOfContents({ headings }: { headings: Heading[] }) {
  if (headings.length === 0) return null;
  return (
    <nav aria-labelledby="toc-title" className="mt-6 text-sm">
      <h2 id="toc-title" className="text-sm font-semibold uppercase tracking-wide text-zinc-600 dark:text-zinc-400">
        On this page
      </h2>
      <ol className="mt-2 space-y-1 border-l border-zinc-200 dark:border-zinc-800">
        {headings.map((h) => (
          <li key={h.id} className={h.depth === 3 ? 'pl-7' : 'pl-3'}>
            <a
              href={`#${h.id}`}
              className="text-zinc-700 underline-offset-2 hover:text-emerald-700 hover:underline focus-visible:outline-2 focus-visible:outline-emerald-500 dark:text-zinc-300 dark:hover:text-emerald-300"
            >
              {h.text}
            </a>
          </li>
        ))}
      </ol>
    </nav>
  );
}
