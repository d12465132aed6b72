'use client';

import { createContext, useEffect, type ReactNode } from 'react';
import { markVisited } from '../../lib/progress';

/** The slug of the lesson being shown, for components that keep progress. */
export const LessonContext = createContext('');

export function LessonProvider({ slug, children }: { slug: string; children: ReactNode }) {
  useEffect(() => markVisited(slug), [slug]);
  return <LessonContext.Provider value={slug}>{children}</LessonContext.Provider>;
}
