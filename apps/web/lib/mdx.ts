/**
 * Compiles a lesson's MDX to a function body that renders it (server side, at build time), with
 * heading anchors, the list of headings for the table of contents, and code blocks highlighted
 * by shiki (its themes and grammars ship in the package: nothing is fetched).
 */
import path from 'node:path';
import type { Element, Root } from 'hast';
import { bundleMDX } from 'mdx-bundler';
import rehypePrettyCode from 'rehype-pretty-code';
import rehypeSlug from 'rehype-slug';
import { visit } from 'unist-util-visit';
import { LessonError, type LessonSource } from './lessons';

export interface Heading {
  depth: 2 | 3;
  id: string;
  text: string;
}

export interface CompiledLesson {
  code: string;
  headings: Heading[];
}

export async function compileLesson(lesson: LessonSource): Promise<CompiledLesson> {
  const headings: Heading[] = [];
  try {
    const { code } = await bundleMDX({
      source: lesson.source,
      cwd: path.dirname(lesson.file),
      mdxOptions(options) {
        options.rehypePlugins = [
          ...(options.rehypePlugins ?? []),
          rehypeSlug,
          () => (tree: Root) => collectHeadings(tree, headings),
          [rehypePrettyCode, { theme: { light: 'github-light', dark: 'github-dark' }, keepBackground: false }],
        ];
        return options;
      },
    });
    return { code, headings };
  } catch (err) {
    throw new LessonError(`${path.relative(process.cwd(), lesson.file)}: the MDX does not compile: ${(err as Error).message}`);
  }
}

/** h2 and h3 headings with the ids rehype-slug gave them, in document order. */
function collectHeadings(tree: Root, into: Heading[]): void {
  visit(tree, 'element', (node: Element) => {
    if ((node.tagName === 'h2' || node.tagName === 'h3') && typeof node.properties.id === 'string') {
      into.push({ depth: node.tagName === 'h2' ? 2 : 3, id: node.properties.id, text: textOf(node) });
    }
  });
}

function textOf(node: Element | Root): string {
  return node.children.map((c) => (c.type === 'text' ? c.value : c.type === 'element' ? textOf(c) : '')).join('');
}
