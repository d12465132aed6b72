/**
 * npm run lint:content [lessons folder]: checks the course (frontmatter, check scripts, links,
 * images, components) and prints each problem as file:line: message. Exit 1 when any.
 */
import path from 'node:path';
import { formatProblem, lintCourse } from '../lib/content/lint';
import { lessonsDir } from '../lib/lessons';

const dir = process.argv[2] ? path.resolve(process.argv[2]) : lessonsDir();
const problems = lintCourse(dir);
for (const p of problems) console.error(formatProblem(p));
if (problems.length > 0) {
  console.error(`\n${problems.length} problem${problems.length === 1 ? '' : 's'} in ${path.relative(process.cwd(), dir) || dir}`);
  process.exit(1);
}
console.log(`Content OK: ${path.relative(process.cwd(), dir) || dir}`);
