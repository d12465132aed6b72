'use client';

import { useSyncExternalStore } from 'react';
import { lessonProgress, serverProgress, subscribeProgress } from '../../lib/progress';

/** On the course map: how far this browser's learner got in a lesson. */
export function LessonProgressBadge({ slug, checks }: { slug: string; checks: string[] }) {
  const progress = useSyncExternalStore(subscribeProgress, () => lessonProgress(slug), serverProgress);
  const passed = checks.filter((c) => progress.passed.includes(c)).length;
  const done = checks.length > 0 && passed === checks.length;
  const label = done
    ? 'Done'
    : checks.length > 0 && (passed > 0 || progress.visited)
      ? `${passed} of ${checks.length} checks`
      : progress.visited
        ? 'Started'
        : 'Not started';
  return (
    <span
      data-testid="lesson-progress"
      data-slug={slug}
      className={`mt-2 inline-flex items-center gap-2 text-xs font-medium ${done ? 'text-emerald-800 dark:text-emerald-300' : 'text-zinc-600 dark:text-zinc-400'}`}
    >
      {checks.length > 0 ? (
        <span aria-hidden className="flex gap-0.5">
          {checks.map((c) => (
            <span key={c} className={`h-1.5 w-4 rounded-full ${progress.passed.includes(c) ? 'bg-emerald-500' : 'bg-zinc-300 dark:bg-zinc-700'}`} />
          ))}
        </span>
      ) : null}
      {label}
    </span>
  );
}
