'use client';

import { useEffect } from 'react';
import { mergeServerProgress } from '../../lib/progress';

/** Once per page load: the learner's progress as the server keeps it, merged into this browser's. */
export function ProgressSync() {
  useEffect(() => {
    const abort = new AbortController();
    fetch('/api/progress', { signal: abort.signal, cache: 'no-store' })
      .then((res) => (res.ok ? (res.json() as Promise<{ lessons?: Record<string, unknown> }>) : null))
      .then((body) => body?.lessons && mergeServerProgress(body.lessons))
      // Offline or the agent down: this browser's own progress is shown meanwhile.
      .catch(() => undefined);
    return () => abort.abort();
  }, []);
  return null;
}
