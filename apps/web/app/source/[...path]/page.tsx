import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { codeToHtml } from 'shiki';
import { findSource, languageOf, listSource, readSource, type SourceEntry } from '../../../lib/source';

interface Props {
  params: Promise<{ path: string[] }>;
}

// Only what exists at build time is served: no path from the URL ever reaches the file system.
export const dynamicParams = false;

export function generateStaticParams(): Array<{ path: string[] }> {
  return listSource().map((e) => ({ path: e.path.split('/') }));
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: (await params).path.join('/') };
}

export default async function SourcePage({ params }: Props) {
  const rel = (await params).path.join('/');
  const entry = findSource(rel);
  if (!entry) notFound();
  return (
    <main className="mx-auto max-w-5xl px-5 py-8">
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        The runtime&apos;s source, as this site was built from it. <Link href="/" className="underline">Back to the course</Link>
      </p>
      <h1 className="mt-2 break-all font-mono text-xl font-semibold">
        <Breadcrumbs rel={entry.path} />
      </h1>
      {entry.kind === 'dir' ? <Listing dir={entry.path} /> : <Code file={entry.path} />}
    </main>
  );
}

function Breadcrumbs({ rel }: { rel: string }) {
  const parts = rel.split('/');
  return parts.map((part, i) => {
    const prefix = parts.slice(0, i + 1).join('/');
    const served = i < parts.length - 1 && findSource(prefix);
    return (
      <span key={prefix}>
        {i > 0 ? '/' : ''}
        {served ? <Link href={`/source/${prefix}`} className="underline">{part}</Link> : part}
      </span>
    );
  });
}

function Listing({ dir }: { dir: string }) {
  const children = listSource().filter((e: SourceEntry) => e.path.startsWith(`${dir}/`) && !e.path.slice(dir.length + 1).includes('/'));
  return (
    <ul className="mt-6 space-y-1 font-mono text-sm" data-testid="source-listing">
      {children.map((e) => (
        <li key={e.path}>
          <Link href={`/source/${e.path}`} className="text-emerald-700 underline dark:text-emerald-400">
            {e.path.slice(dir.length + 1)}{e.kind === 'dir' ? '/' : ''}
          </Link>
        </li>
      ))}
    </ul>
  );
}

async function Code({ file }: { file: string }) {
  const html = await codeToHtml(readSource(file), {
    lang: languageOf(file) ?? 'text',
    themes: { light: 'github-light', dark: 'github-dark' },
    defaultColor: false,
  });
  // shiki's output is built from the file's text with every character escaped.
  return <div className="source-code mt-6 overflow-x-auto text-sm" data-testid="source-code" dangerouslySetInnerHTML={{ __html: html }} />;
}
