/** The components lesson MDX can use. Lessons never import; they get these by name. */
import type { MdxComponents } from '../../lib/mdx-component';
import { Callout } from './Callout';
import { Hint } from './Hint';
import { Step } from './Step';

export const mdxComponents: MdxComponents = { Callout, Hint, Step };
