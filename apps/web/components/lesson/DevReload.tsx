'use client';

import { useRouter } from 'next/navigation';
import { useEffect } from 'react';

/** In `npm run dev`: re-renders the lesson when its files change, keeping the terminal connected. */
export function DevReload() {
  const router = useRouter();
  useEffect(() => {
    const events = new EventSource('/api/dev/content-events');
    events.onmessage = () => router.refresh();
    return () => events.close();
  }, [router]);
  return null;
}
