import type { Metadata } from 'next';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { ProgressSync } from '../components/lesson/ProgressSync';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'Containers by Hand', template: '%s · Containers by Hand' },
  description: 'Learn how containers work by building one, live, in a real Linux sandbox in your browser.',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body className="flex min-h-dvh flex-col">
        <header className="flex h-14 shrink-0 items-center border-b border-zinc-200 px-6 dark:border-zinc-800">
          <Link href="/" className="font-semibold tracking-tight">
            <span className="text-emerald-700 dark:text-emerald-400">$</span> Containers by Hand
          </Link>
        </header>
        <div className="flex min-h-0 flex-1 flex-col">{children}</div>
        <ProgressSync />
      </body>
    </html>
  );
}
