/** The components lesson MDX can use. Lessons never import; they get these by name. */
import type { MdxComponents } from '../../lib/mdx-component';
import { Callout } from './Callout';
import { Check } from './Check';
import { Diagram } from './Diagram';
import { Hint } from './Hint';
import { Quiz } from './Quiz';
import { Step } from './Step';
import { Stepper } from './Stepper';
import { Trace } from './Trace';

export const mdxComponents: MdxComponents = { Callout, Check, Diagram, Hint, Quiz, Step, Stepper, Trace };

/** The names the content linter accepts as components in a lesson. */
export const COMPONENT_NAMES = Object.keys(mdxComponents);
