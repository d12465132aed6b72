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

export const stdoutLogger: Logger = (event, fields) => {
  process.stdout.write(formatLine(event, fields) + '\n');
};
