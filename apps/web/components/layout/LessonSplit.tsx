'use client';

import { useCallback, useEffect, useRef, useState, type CSSProperties, type KeyboardEvent, type PointerEvent, type ReactNode } from 'react';

/** At this width and above, text and terminal sit side by side; below it they stack. */
const WIDE = '(min-width: 1280px)';
const MIN = 25;
const MAX = 75;
const STEP = 5;
const STORAGE_KEY = 'byhand:split';

interface Split {
  /** Share of the width the lesson text takes, side by side. */
  x: number;
  /** Share of the height the lesson text takes, stacked. */
  y: number;
}

const DEFAULT: Split = { x: 50, y: 55 };

/**
 * The lesson page: text and terminal with a divider between them that a pointer can drag and the
 * keyboard can move (arrows, Home, End). Both panes stay on screen in either layout, so a "Run"
 * button always has its terminal in view.
 */
export function LessonSplit({ text, terminal }: { text: ReactNode; terminal: ReactNode }) {
  const box = useRef<HTMLDivElement>(null);
  const [split, setSplit] = useState<Split>(DEFAULT);
  const [wide, setWide] = useState(true);

  useEffect(() => {
    setSplit(loadSplit());
    const query = window.matchMedia(WIDE);
    const update = () => setWide(query.matches);
    update();
    query.addEventListener('change', update);
    return () => query.removeEventListener('change', update);
  }, []);

  const axis: keyof Split = wide ? 'x' : 'y';
  const move = useCallback(
    (value: number) => {
      setSplit((s) => {
        const next = { ...s, [axis]: clamp(value) };
        localStorage.setItem(STORAGE_KEY, JSON.stringify(next));
        return next;
      });
    },
    [axis],
  );

  const onKeyDown = (event: KeyboardEvent) => {
    const keys: Record<string, number> = {
      ArrowLeft: split[axis] - STEP,
      ArrowUp: split[axis] - STEP,
      ArrowRight: split[axis] + STEP,
      ArrowDown: split[axis] + STEP,
      Home: MIN,
      End: MAX,
    };
    if (!(event.key in keys)) return;
    event.preventDefault();
    move(keys[event.key]!);
  };

  const onPointerMove = (event: PointerEvent) => {
    if (!event.currentTarget.hasPointerCapture(event.pointerId) || !box.current) return;
    const r = box.current.getBoundingClientRect();
    move(wide ? ((event.clientX - r.left) / r.width) * 100 : ((event.clientY - r.top) / r.height) * 100);
  };

  return (
    <div
      ref={box}
      data-testid="lesson-layout"
      data-layout={wide ? 'side-by-side' : 'stacked'}
      style={{ '--split-x': `${split.x}%`, '--split-y': `${split.y}%` } as CSSProperties}
      className="grid h-[calc(100dvh-3.5rem)] grid-rows-[minmax(0,var(--split-y))_auto_minmax(0,1fr)] xl:grid-cols-[minmax(0,var(--split-x))_auto_minmax(0,1fr)] xl:grid-rows-[minmax(0,1fr)]"
    >
      <div id="lesson-text" data-testid="lesson-text" className="min-h-0 min-w-0 overflow-y-auto">
        {text}
      </div>
      <div
        role="separator"
        tabIndex={0}
        aria-orientation={wide ? 'vertical' : 'horizontal'}
        aria-valuemin={MIN}
        aria-valuemax={MAX}
        aria-valuenow={Math.round(split[axis])}
        aria-controls="lesson-text"
        aria-label="Resize the lesson text and the terminal (arrow keys)"
        onKeyDown={onKeyDown}
        onPointerDown={(e) => e.currentTarget.setPointerCapture(e.pointerId)}
        onPointerMove={onPointerMove}
        className="group flex h-3 cursor-row-resize touch-none items-center justify-center border-y border-zinc-200 bg-zinc-100 focus-visible:bg-emerald-100 focus-visible:outline-2 focus-visible:outline-emerald-500 xl:h-auto xl:w-3 xl:cursor-col-resize xl:border-x xl:border-y-0 dark:border-zinc-800 dark:bg-zinc-900 dark:focus-visible:bg-emerald-950"
      >
        <span aria-hidden className="h-1 w-10 rounded-full bg-zinc-400 group-hover:bg-emerald-500 xl:h-10 xl:w-1" />
      </div>
      <aside aria-label="Your sandbox" data-testid="terminal-pane" className="min-h-0 min-w-0 p-2 xl:p-3">
        {terminal}
      </aside>
    </div>
  );
}

function clamp(n: number): number {
  return Math.min(MAX, Math.max(MIN, Math.round(n * 10) / 10));
}

function loadSplit(): Split {
  try {
    const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null') as Partial<Split> | null;
    return {
      x: typeof saved?.x === 'number' ? clamp(saved.x) : DEFAULT.x,
      y: typeof saved?.y === 'number' ? clamp(saved.y) : DEFAULT.y,
    };
  } catch {
    return DEFAULT;
  }
}
