/** Lints a lesson's YAML frontmatter against the course's schema, with the line of each problem. */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { MAX_TERMINALS } from '../lessons';
import { FRONTMATTER_FIELDS } from './vocabulary';

export interface FieldProblem {
  line: number;
  message: string;
}

export interface Frontmatter {
  problems: FieldProblem[];
  order?: number;
  terminals: number;
  image?: { path: string; line: number };
}

/** `source` is the whole index.mdx; lines are the file's own. */
export function lintFrontmatter(source: string): Frontmatter {
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n/.exec(source);
  if (!match) {
    return { problems: [{ line: 1, message: 'no frontmatter: start the file with a --- block holding title, summary, order, duration and objectives' }], terminals: 1 };
  }
  const lines = new LineCounter();
  const doc = parseDocument(match[1]!, { lineCounter: lines });
  // The YAML starts on the file's second line, after the opening ---.
  const lineOf = (node: Node | null | undefined) => (node?.range ? lines.linePos(node.range[0]).line + 1 : 1);
  const problems: FieldProblem[] = doc.errors.map((e) => ({ line: (e.linePos?.[0]?.line ?? 0) + 1, message: `frontmatter is not valid YAML: ${e.message.split('\n')[0]}` }));
  if (problems.length > 0) return { problems, terminals: 1 };
  if (!isMap(doc.contents)) return { problems: [{ line: 1, message: 'the frontmatter must be a YAML mapping of fields' }], terminals: 1 };

  const fields = new Map<string, { key: Node; value: Node | null }>();
  for (const pair of doc.contents.items) {
    const key = pair.key as Node;
    const name = isScalar(key) ? String(key.value) : '';
    if (!(FRONTMATTER_FIELDS as readonly string[]).includes(name)) {
      problems.push({ line: lineOf(key), message: `unknown frontmatter field "${name}"; the fields are ${FRONTMATTER_FIELDS.join(', ')}` });
      continue;
    }
    fields.set(name, { key, value: pair.value as Node | null });
  }

  const at = (name: string) => lineOf(fields.get(name)?.key);
  const scalar = (name: string): unknown => {
    const v = fields.get(name)?.value;
    return isScalar(v) ? v.value : v ? v.toJSON() : undefined;
  };
  const needText = (name: string, example: string) => {
    const v = scalar(name);
    if (typeof v !== 'string' || v.trim() === '') problems.push({ line: at(name), message: `"${name}" must be a non-empty string (e.g. ${name}: ${example})` });
  };
  needText('title', 'Namespaces');
  needText('summary', 'One sentence on what the learner will do.');
  const duration = scalar('duration');
  if (typeof duration !== 'string' || !/^\d+ (min|h)$/.test(duration)) {
    problems.push({ line: at('duration'), message: `"duration" must be minutes or hours like "25 min" or "1 h", got ${JSON.stringify(duration ?? null)}` });
  }
  const order = scalar('order');
  if (typeof order !== 'number' || !Number.isInteger(order) || order < 0) {
    problems.push({ line: at('order'), message: `"order" must be a whole number giving the lesson's place in the course (e.g. order: 2), got ${JSON.stringify(order ?? null)}` });
  }
  const objectives = scalar('objectives');
  if (!isSeq(fields.get('objectives')?.value) || !Array.isArray(objectives) || objectives.length === 0 || !objectives.every((o) => typeof o === 'string' && o.trim())) {
    problems.push({ line: at('objectives'), message: '"objectives" must be a list of at least one sentence, one per line starting with "- "' });
  }
  let terminals = 1;
  if (fields.has('terminals')) {
    const t = scalar('terminals');
    if (!Array.isArray(t) || t.length < 1 || t.length > MAX_TERMINALS || !t.every((l) => typeof l === 'string' && l.trim() && l.length <= 30)) {
      problems.push({ line: at('terminals'), message: `"terminals" must list 1 to ${MAX_TERMINALS} short tab labels (e.g. terminals: ["shell", "host view"])` });
    } else {
      terminals = t.length;
    }
  }
  let image: Frontmatter['image'];
  if (fields.has('image')) {
    const v = scalar('image');
    if (typeof v !== 'string' || !v) problems.push({ line: at('image'), message: '"image" must be the path of an image in the lesson folder' });
    else image = { path: v, line: at('image') };
  }
  return { problems, order: typeof order === 'number' ? order : undefined, terminals, image };
}
