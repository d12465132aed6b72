/** The Dockerfile subset `byhand build` reads: FROM RUN COPY ADD ENV WORKDIR CMD ENTRYPOINT LABEL EXPOSE. */

export const KEYWORDS = ['FROM', 'RUN', 'COPY', 'ADD', 'ENV', 'WORKDIR', 'CMD', 'ENTRYPOINT', 'LABEL', 'EXPOSE'] as const;
export type Keyword = (typeof KEYWORDS)[number];

export interface Instruction {
  keyword: Keyword;
  args: string;
  /** The instruction as written (continuations joined): part of its cache key. */
  text: string;
  line: number;
}

export function parseDockerfile(source: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = source.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i + 1;
    let text = lines[i]!.trim();
    if (text === '' || text.startsWith('#')) continue;
    while (text.endsWith('\\') && i + 1 < lines.length) text = `${text.slice(0, -1).trimEnd()} ${lines[++i]!.trim()}`;
    const match = /^(\S+)\s*(.*)$/.exec(text)!;
    const keyword = match[1]!.toUpperCase();
    if (!(KEYWORDS as readonly string[]).includes(keyword)) {
      throw new Error(`Dockerfile line ${start}: ${keyword} is not supported: byhand build knows ${KEYWORDS.join(', ')}`);
    }
    if (!match[2]) throw new Error(`Dockerfile line ${start}: ${keyword} needs arguments`);
    out.push({ keyword: keyword as Keyword, args: match[2], text: `${keyword} ${match[2]}`, line: start });
  }
  if (out[0]?.keyword !== 'FROM') throw new Error('a Dockerfile starts with FROM IMAGE (or FROM scratch)');
  if (out.slice(1).some((i) => i.keyword === 'FROM')) throw new Error('byhand build takes one FROM (no multi-stage builds)');
  return out;
}

/** JSON form ["a","b"] as is; shell form through /bin/sh -c, as Docker runs it. */
export function commandOf(args: string): string[] {
  if (args.startsWith('[')) {
    const parsed = JSON.parse(args) as unknown;
    if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) throw new Error(`${args}: the JSON form is a list of strings`);
    return parsed as string[];
  }
  return ['/bin/sh', '-c', args];
}

/** KEY=VALUE pairs (values may be "quoted"), or the old form `KEY VALUE...`. */
export function pairsOf(args: string): Array<[string, string]> {
  if (!/^[^\s=]+=/.test(args)) {
    const [key, ...rest] = args.split(/\s+/);
    return [[key!, rest.join(' ')]];
  }
  const pairs: Array<[string, string]> = [];
  for (const m of args.matchAll(/([^\s=]+)=("((?:[^"\\]|\\.)*)"|\S*)/g)) pairs.push([m[1]!, m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : m[2]!]);
  return pairs;
}

/** COPY/ADD sources and destination, shell or JSON form. */
export function copyArgs(args: string): { sources: string[]; dest: string } {
  const parts = args.startsWith('[') ? JSON.parse(args) as string[] : args.split(/\s+/);
  if (parts.length < 2) throw new Error(`${args}: give at least one source and a destination`);
  return { sources: parts.slice(0, -1), dest: parts.at(-1)! };
}
