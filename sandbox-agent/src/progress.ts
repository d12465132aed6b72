/**
 * Each learner's progress, kept by the agent because the agent runs the checks: which checks of
 * which lesson passed for them. One small JSON file per learner id in the state directory, so it
 * survives a restart and a learner who clears the browser's storage (or moves to another device
 * with the same cookie) keeps it. Files untouched for the retention period are removed.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from './log.js';

export const PROGRESS_RETENTION_DAYS = 180;
const DAY_MS = 86_400_000;
/** Far above the course (12 lessons, a handful of checks each): a bound on one file, not a quota a learner meets. */
const MAX_LESSONS = 200;
const MAX_CHECKS_PER_LESSON = 100;

/** Lesson slug -> ids of the checks that passed, in the order they first passed. */
export type LessonChecks = Record<string, string[]>;

export class Progress {
  private sweeper: NodeJS.Timeout | null = null;

  constructor(
    private readonly dir: string,
    private readonly retentionDays: number,
    private readonly log: Logger,
  ) {}

  /** Removes what is past its retention now and once a day after. */
  start(): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    this.sweep();
    this.sweeper = setInterval(() => this.sweep(), DAY_MS);
    this.sweeper.unref();
  }

  stop(): void {
    if (this.sweeper) clearInterval(this.sweeper);
  }

  /** What passed for `learner` (a verified id: base64url, safe as a file name). */
  get(learner: string): LessonChecks {
    try {
      const parsed = JSON.parse(readFileSync(this.file(learner), 'utf8')) as { lessons?: unknown };
      return sanitize(parsed.lessons);
    } catch {
      return {}; // none yet, or a damaged file: progress starts afresh rather than failing the learner
    }
  }

  /** Notes a passed check; false when it was known already. */
  record(learner: string, lesson: string, check: string): boolean {
    const lessons = this.get(learner);
    const passed = lessons[lesson] ?? [];
    if (passed.includes(check)) return false;
    if (passed.length >= MAX_CHECKS_PER_LESSON || (!lessons[lesson] && Object.keys(lessons).length >= MAX_LESSONS)) return false;
    lessons[lesson] = [...passed, check];
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      // Written aside and renamed: a crash mid-write never leaves half a file.
      const tmp = `${this.file(learner)}.tmp`;
      writeFileSync(tmp, JSON.stringify({ lessons, updated: new Date().toISOString() }) + '\n', { mode: 0o600 });
      renameSync(tmp, this.file(learner));
      return true;
    } catch (err) {
      this.log('progress not saved', { learner: learner.slice(0, 8), error: (err as Error).message });
      return false;
    }
  }

  private file(learner: string): string {
    return join(this.dir, `${learner}.json`);
  }

  private sweep(): void {
    const cutoff = Date.now() - this.retentionDays * DAY_MS;
    let removed = 0;
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(this.dir, name);
      try {
        if (statSync(path).mtimeMs < cutoff) {
          rmSync(path, { force: true });
          removed++;
        }
      } catch {
        // Removed meanwhile.
      }
    }
    if (removed) this.log('removed old progress', { count: removed, olderThanDays: this.retentionDays });
  }
}

function sanitize(raw: unknown): LessonChecks {
  const lessons: LessonChecks = {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return lessons;
  for (const [lesson, checks] of Object.entries(raw)) {
    if (Array.isArray(checks)) lessons[lesson] = checks.filter((c): c is string => typeof c === 'string');
  }
  return lessons;
}
