/**
 * Structured logs: one JSON object per line on stdout ({"time","event",...fields}), so
 * journald, a terminal or a log shipper takes them as they are.
 */
export type LogFields = Record<string, string | number | boolean | undefined>;

export type Logger = (event: string, fields?: LogFields) => void;

export function formatLine(event: string, fields: LogFields = {}, now = new Date()): string {
  // JSON.stringify leaves out undefined fields.
  return JSON.stringify({ time: now.toISOString(), event, ...fields });
}

let stdoutClosed = false;
let watching = false;

/**
 * When whoever reads the logs goes away (EPIPE), the logs stop and the agent does not: a
 * classroom's sandboxes must outlive a closed terminal or a crashed log shipper.
 */
function watchStdout(): void {
  if (watching) return;
  watching = true;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    stdoutClosed = true;
  });
}

export const stdoutLogger: Logger = (event, fields) => {
  watchStdout();
  if (!stdoutClosed) process.stdout.write(formatLine(event, fields) + '\n');
};
