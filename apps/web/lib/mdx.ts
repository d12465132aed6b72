/** Compiles a lesson's MDX to a function body that renders it (server side, at build time). */
import path from 'node:path';
import { bundleMDX } from 'mdx-bundler';
import { LessonError, type LessonSource } from './lessons';

export async function compileLesson(lesson: LessonSource): Promise<string> {
  try {
    const { code } = await bundleMDX({ source: lesson.source, cwd: path.dirname(lesson.file) });
    return code;
  } catch (err) {
    throw new LessonError(`${path.relative(process.cwd(), lesson.file)}: the MDX does not compile: ${(err as Error).message}`);
  }
}
