import Link from 'next/link';
import { LessonProgressBadge } from '../components/lesson/LessonProgressBadge';
import { listLessons } from '../lib/lessons';

export default async function CoursePage() {
  const lessons = await listLessons();
  return (
    <main className="mx-auto w-full max-w-3xl px-6 py-12">
      <h1 className="text-3xl font-bold tracking-tight sm:text-4xl">Build a container by hand</h1>
      <p className="mt-4 text-lg text-zinc-600 dark:text-zinc-400">
        A container is an ordinary Linux process that the kernel fences in. Each lesson gives you a root shell in a
        real sandbox next to the text, so you can make namespaces, cgroups and root filesystems yourself and watch the
        kernel answer.
      </p>
      <h2 className="mt-12 text-sm font-semibold uppercase tracking-wide text-zinc-600 dark:text-zinc-400">Lessons</h2>
      {lessons.length === 0 ? (
        <p className="mt-4 text-zinc-600 dark:text-zinc-400">No lessons yet: add one in content/lessons.</p>
      ) : (
        <ol className="mt-4 space-y-3">
          {lessons.map((lesson) => (
            <li key={lesson.slug}>
              <Link
                href={`/lessons/${lesson.slug}`}
                className="group flex gap-4 rounded-lg border border-zinc-200 p-4 transition hover:border-emerald-500 hover:bg-emerald-50/50 dark:border-zinc-800 dark:hover:bg-emerald-500/5"
              >
                <span className="mt-0.5 font-mono text-sm text-zinc-500 tabular-nums dark:text-zinc-400">{String(lesson.order).padStart(2, '0')}</span>
                <span className="min-w-0 flex-1">
                  <span className="flex flex-wrap items-baseline justify-between gap-x-4">
                    <span className="font-semibold group-hover:text-emerald-700 dark:group-hover:text-emerald-300">{lesson.title}</span>
                    <span className="text-sm text-zinc-600 dark:text-zinc-400">{lesson.duration}</span>
                  </span>
                  <span className="mt-1 block text-sm text-zinc-600 dark:text-zinc-400">{lesson.summary}</span>
                  <LessonProgressBadge slug={lesson.slug} checks={lesson.checks} />
                </span>
              </Link>
            </li>
          ))}
        </ol>
      )}
    </main>
  );
}
