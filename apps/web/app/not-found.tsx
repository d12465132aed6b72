import Link from 'next/link';

export default function NotFound() {
  return (
    <main className="mx-auto w-full max-w-3xl px-6 py-16">
      <h1 className="text-2xl font-bold">Page not found</h1>
      <p className="mt-3 text-zinc-600 dark:text-zinc-400">There is no lesson or page at this address.</p>
      <Link href="/" className="mt-6 inline-block font-medium text-emerald-700 hover:underline dark:text-emerald-400">
        See all lessons
      </Link>
    </main>
  );
}
