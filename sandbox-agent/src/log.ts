/** One line per event on stdout, with a timestamp, so journald or a terminal reads it as-is. */
export type LogFields = Record<string, string | number | boolean | undefined>;

export type Logger = (event: string, fields?: LogFields) => void;

export function formatLine(event: string, fields: LogFields = {}, now = new Date()): string {
  const parts = Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' && /[\s"=]/.test(v) ? JSON.stringify(v) : String(v)}`);
  return [now.toISOString(), event, ...parts].join(' ');
}

export const stdoutLogger: Logger = (event, fields) => {
  process.stdout.write(formatLine(event, fields) + '\n');
};
