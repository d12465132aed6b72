/**
 * Reads a lesson's MDX as a syntax tree (no compiling, no running) and lists what the course
 * cares about, each with its line: component tags and their attributes, links and images.
 */
import type { Root } from 'mdast';
import type { MdxJsxAttribute, MdxJsxFlowElement, MdxJsxTextElement } from 'mdast-util-mdx-jsx';
import remarkFrontmatter from 'remark-frontmatter';
import remarkMdx from 'remark-mdx';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { visit } from 'unist-util-visit';

export interface ComponentUse {
  name: string;
  /** String-valued attributes; other attribute values are JavaScript expressions, kept as null. */
  attributes: Record<string, string | null>;
  line: number;
}

export interface Reference {
  kind: 'link' | 'image';
  url: string;
  line: number;
}

export interface LessonScan {
  components: ComponentUse[];
  references: Reference[];
  /** Headings' text, for checking #anchors. */
  headings: string[];
}

/** Throws the parser's error (with its line) when the MDX is not well formed. */
export function scanLesson(source: string): LessonScan {
  const tree = unified().use(remarkParse).use(remarkFrontmatter).use(remarkMdx).parse(source) as Root;
  const scan: LessonScan = { components: [], references: [], headings: [] };
  visit(tree, (node) => {
    const line = node.position?.start.line ?? 0;
    switch (node.type) {
      case 'mdxJsxFlowElement':
      case 'mdxJsxTextElement': {
        const el = node as MdxJsxFlowElement | MdxJsxTextElement;
        if (!el.name) break;
        scan.components.push({ name: el.name, attributes: attributesOf(el), line });
        const attrs = attributesOf(el);
        if (el.name === 'a' && attrs.href) scan.references.push({ kind: 'link', url: attrs.href, line });
        if (el.name === 'img' && attrs.src) scan.references.push({ kind: 'image', url: attrs.src, line });
        break;
      }
      case 'link':
        scan.references.push({ kind: 'link', url: node.url, line });
        break;
      case 'image':
        scan.references.push({ kind: 'image', url: node.url, line });
        break;
      case 'heading':
        scan.headings.push(plainText(node));
        break;
    }
  });
  return scan;
}

/** The ids of a lesson's <Check>s, in order. */
export function checkIds(source: string): string[] {
  return scanLesson(source)
    .components.filter((c) => c.name === 'Check' && c.attributes.id)
    .map((c) => c.attributes.id!);
}

function attributesOf(el: MdxJsxFlowElement | MdxJsxTextElement): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const attr of el.attributes) {
    if (attr.type !== 'mdxJsxAttribute') continue;
    const a = attr as MdxJsxAttribute;
    out[a.name] = typeof a.value === 'string' ? a.value : a.value === null || a.value === undefined ? '' : null;
  }
  return out;
}

function plainText(node: unknown): string {
  const n = node as { value?: unknown; children?: unknown[] };
  if (typeof n.value === 'string') return n.value;
  return (n.children ?? []).map(plainText).join('');
}
