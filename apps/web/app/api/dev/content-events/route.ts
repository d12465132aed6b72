/**
 * `npm run dev` only: a Server-Sent Events stream that says "changed" whenever a file under
 * content/lessons changes (MDX, checks, solutions, images), so open lesson pages refresh.
 */
import { watch } from 'node:fs';
import { lessonsDir } from '../../../../lib/lessons';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export function GET(request: Request): Response {
  if (process.env.NODE_ENV !== 'development') return new Response('Only served by `npm run dev`.\n', { status: 404 });
  const encoder = new TextEncoder();
  let close = () => {};
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      // Editors write a file in several steps; one refresh per burst is enough.
      const watcher = watch(lessonsDir(), { recursive: true }, () => {
        clearTimeout(timer);
        timer = setTimeout(() => controller.enqueue(encoder.encode('data: changed\n\n')), 150);
      });
      close = () => {
        clearTimeout(timer);
        watcher.close();
      };
      request.signal.addEventListener('abort', () => {
        close();
        controller.close();
      });
      controller.enqueue(encoder.encode(': watching content/lessons\n\n'));
    },
    cancel: () => close(),
  });
  return new Response(stream, { headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-store' } });
}
