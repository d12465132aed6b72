import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { mdxComponents } from '../../../components/mdx';
import { DevReload } from '../../../components/lesson/DevReload';
import { LessonProvider } from '../../../components/lesson/LessonContext';
import { LessonSplit } from '../../../components/layout/LessonSplit';
import { TableOfContents } from '../../../components/layout/TableOfContents';
import { TerminalPanel } from '../../../components/terminal/TerminalPanel';
import { listLessons, neighbours, readLesson, type LessonMeta } from '../../../lib/lessons';
import { compileLesson } from '../../../lib/mdx';
import { mdxComponent } from '../../../lib/mdx-component';

interface Props {
  params: Promise<{ slug: string }>;
}

// Lessons are known at build time; any other slug is a 404.
export const dynamicParams = false;

export async function generateStaticParams(): Promise<Array<{ slug: string }>> {
  return (await listLessons()).map(({ slug }) => ({ slug }));
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const lesson = await readLesson((await params).slug);
  return lesson ? { title: lesson.meta.title, description: lesson.meta.summary } : {};
}

export default async function LessonPage({ params }: Props) {
  const { slug } = await params;
  const lesson = await readLesson(slug);
  if (!lesson) notFound();
  const { meta } = lesson;
  const { code, headings } = await compileLesson(lesson);
  const Content = mdxComponent(code);
  const { prev, next } = neighbours(await listLessons(), slug);

  return (
    <LessonSplit
      text={
        <article className="px-5 py-8 sm:px-8 xl:px-10">
          <div className="mx-auto max-w-2xl">
            <p className="text-sm text-zinc-600 dark:text-zinc-400">
              Lesson {meta.order} · {meta.duration}
            </p>
            <h1 className="mt-1 text-3xl font-bold tracking-tight">{meta.title}</h1>
            <p className="mt-3 text-lg text-zinc-600 dark:text-zinc-400">{meta.summary}</p>
            <section aria-labelledby="objectives" className="mt-6 rounded-lg border border-zinc-200 bg-zinc-50 p-4 dark:border-zinc-800 dark:bg-zinc-800/40">
              <h2 id="objectives" className="text-sm font-semibold uppercase tracking-wide text-zinc-600 dark:text-zinc-400">
                By the end you can
              </h2>
              <ul className="mt-2 list-disc space-y-1 pl-5 text-sm">
                {meta.objectives.map((o) => (
                  <li key={o}>{o}</li>
                ))}
              </ul>
            </section>
            <TableOfContents headings={headings} />
            <div className="prose prose-zinc mt-8 max-w-none dark:prose-invert prose-code:before:content-none prose-code:after:content-none">
              <LessonProvider slug={slug}>
                <Content components={mdxComponents} />
              </LessonProvider>
              {process.env.NODE_ENV === 'development' ? <DevReload /> : null}
            </div>
            <LessonNav prev={prev} next={next} />
          </div>
        </article>
      }
      terminal={<TerminalPanel key={slug} lesson={slug} labels={meta.terminals} />}
    />
  );
}

function LessonNav({ prev, next }: { prev?: LessonMeta; next?: LessonMeta }) {
  const link = 'flex-1 rounded-lg border border-zinc-200 p-3 hover:border-emerald-500 dark:border-zinc-800';
  return (
    <nav aria-label="Lessons" className="mt-12 flex gap-3 border-t border-zinc-200 pt-6 text-sm dark:border-zinc-800">
      {prev ? (
        <Link href={`/lessons/${prev.slug}`} rel="prev" className={link}>
          <span className="block text-zinc-600 dark:text-zinc-400">Previous</span>
          <span className="font-medium">{prev.title}</span>
        </Link>
      ) : (
        <Link href="/" className={link}>
          <span className="block text-zinc-600 dark:text-zinc-400">Back to</span>
          <span className="font-medium">All lessons</span>
        </Link>
      )}
      {next ? (
        <Link href={`/lessons/${next.slug}`} rel="next" className={`${link} text-right`}>
          <span className="block text-zinc-600 dark:text-zinc-400">Next</span>
          <span className="font-medium">{next.title}</span>
        </Link>
      ) : (
        <span className="flex-1" />
      )}
    </nav>
  );
}
