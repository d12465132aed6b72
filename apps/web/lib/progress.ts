/**
 * The learner's progress in this browser (localStorage): which lessons they opened and which
 * checks passed. Passed checks stay passed, even after the sandbox is gone. The agent keeps the
 * passed checks per learner too; mergeServerProgress brings them back into a browser that lost
 * them (storage cleared, another device with the same cookie).
 */

export interface LessonProgress {
  visited: boolean;
  /** Ids of the checks that passed. */
  passed: string[];
}

type Store = Record<string, { visited?: boolean; passed?: string[] }>;

const KEY = 'byhand:progress';
const listeners = new Set<() => void>();
let cache: { raw: string | null; store: Store } = { raw: null, store: {} };
const EMPTY: LessonProgress = { visited: false, passed: [] };
const snapshots = new Map<string, LessonProgress>();

function read(): Store {
  let raw: string | null = null;
  try {
    raw = localStorage.getItem(KEY);
  } catch {
    return {};
  }
  if (raw === cache.raw) return cache.store;
  let store: Store = {};
  try {
    const parsed = JSON.parse(raw ?? '{}') as unknown;
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) store = parsed as Store;
  } catch {
    // A damaged entry starts progress afresh rather than breaking the page.
  }
  cache = { raw, store };
  snapshots.clear();
  return store;
}

function write(update: (store: Store) => void): void {
  const store = structuredClone(read());
  update(store);
  try {
    localStorage.setItem(KEY, JSON.stringify(store));
  } catch {
    return; // Storage full or disabled: progress is a convenience, the lesson works without it.
  }
  for (const l of listeners) l();
}

/** One lesson's progress; the same object until it changes (for useSyncExternalStore). */
export function lessonProgress(slug: string): LessonProgress {
  const entry = read()[slug];
  if (!entry) return EMPTY;
  let snap = snapshots.get(slug);
  if (!snap) {
    snap = { visited: entry.visited === true, passed: Array.isArray(entry.passed) ? entry.passed.filter((p) => typeof p === 'string') : [] };
    snapshots.set(slug, snap);
  }
  return snap;
}

export function serverProgress(): LessonProgress {
  return EMPTY;
}

export function markVisited(slug: string): void {
  if (lessonProgress(slug).visited) return;
  write((s) => {
    s[slug] = { ...s[slug], visited: true };
  });
}

export function markPassed(slug: string, check: string): void {
  if (lessonProgress(slug).passed.includes(check)) return;
  write((s) => {
    const entry = s[slug] ?? {};
    s[slug] = { ...entry, visited: true, passed: [...(entry.passed ?? []), check] };
  });
}

/** Listens for changes made here and in the learner's other tabs. */
export function subscribeProgress(listener: () => void): () => void {
  listeners.add(listener);
  const onStorage = (e: StorageEvent) => e.key === KEY && listener();
  window.addEventListener('storage', onStorage);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('storage', onStorage);
  };
}

/** Adds the checks the server saw pass (lesson -> check ids) to what this browser knows. */
export function mergeServerProgress(lessons: Record<string, unknown>): void {
  const missing = Object.entries(lessons).flatMap(([slug, checks]) =>
    Array.isArray(checks) ? checks.filter((c): c is string => typeof c === 'string' && !lessonProgress(slug).passed.includes(c)).map((c) => [slug, c] as const) : [],
  );
  if (!missing.length) return;
  write((s) => {
    for (const [slug, check] of missing) {
      const entry = s[slug] ?? {};
      if (!(entry.passed ?? []).includes(check)) s[slug] = { ...entry, visited: true, passed: [...(entry.passed ?? []), check] };
    }
  });
}
