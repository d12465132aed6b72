/** A small command-line parser with Docker's conventions: -e K=V, --name=x, -it, "--" ends flags. */

export interface FlagSpec {
  /** The key in the result, e.g. "env". */
  key: string;
  /** Spellings, e.g. ["-e", "--env"]. */
  names: string[];
  /** Takes a value (the next argument or after "="). */
  value?: boolean;
  /** May repeat; the result is then a list. */
  repeat?: boolean;
}

export type FlagValues = Record<string, string | string[] | boolean | undefined>;

export class UsageError extends Error {}

export interface Parsed {
  flags: FlagValues;
  positionals: string[];
}

/**
 * Parses flags up to the first positional when `stopAtPositional` (so a container's command
 * keeps its own flags: `run busybox ls -l`), otherwise everywhere.
 */
export function parseArgs(argv: string[], specs: FlagSpec[], stopAtPositional = false, positionalsBeforeStop = 1): Parsed {
  const byName = new Map<string, FlagSpec>();
  for (const spec of specs) for (const name of spec.names) byName.set(name, spec);
  const flags: FlagValues = {};
  const positionals: string[] = [];
  const set = (spec: FlagSpec, value: string | boolean) => {
    if (spec.repeat) flags[spec.key] = [...((flags[spec.key] as string[] | undefined) ?? []), String(value)];
    else flags[spec.key] = value;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (stopAtPositional && positionals.length >= positionalsBeforeStop) {
      positionals.push(...argv.slice(i));
      break;
    }
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const spec = byName.get(name);
    if (spec) {
      if (spec.value) {
        const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
        if (value === undefined) throw new UsageError(`flag ${name} needs a value`);
        set(spec, value);
      } else {
        set(spec, eq > 0 ? arg.slice(eq + 1) !== 'false' : true);
      }
      continue;
    }
    // -it, -dit: several one-letter bool flags together.
    const letters = !arg.startsWith('--') && arg.length > 2 ? [...arg.slice(1)].map((l) => byName.get(`-${l}`)) : [];
    if (letters.length > 0 && letters.every((s) => s && !s.value)) {
      for (const s of letters) set(s!, true);
      continue;
    }
    throw new UsageError(`unknown flag ${name}`);
  }
  return { flags, positionals };
}

export function str(flags: FlagValues, key: string): string | undefined {
  const v = flags[key];
  return typeof v === 'string' ? v : undefined;
}

export function list(flags: FlagValues, key: string): string[] {
  const v = flags[key];
  return Array.isArray(v) ? v : [];
}

export function bool(flags: FlagValues, key: string): boolean {
  return flags[key] === true;
}

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** "64m" → 67108864, as docker's -m takes sizes. */
export function parseSize(flag: string, text: string): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)([bkmg]?)b?$/i.exec(text.trim());
  if (!m) throw new UsageError(`${flag} needs a size like 64m, got ${JSON.stringify(text)}`);
  return Math.round(Number(m[1]) * UNITS[m[2]!.toLowerCase()]!);
}

export function parseInteger(flag: string, text: string): number {
  if (!/^-?[0-9]+$/.test(text)) throw new UsageError(`${flag} needs a whole number, got ${JSON.stringify(text)}`);
  return Number(text);
}

export function parseNumber(flag: string, text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${flag} needs a number, got ${JSON.stringify(text)}`);
  return n;
}
