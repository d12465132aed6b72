/**
 * What lesson MDX may use, for the content linter (kept apart from the React components so the
 * linter runs without them; a test keeps the two lists equal).
 */
export const COMPONENTS = ['Callout', 'Check', 'Diagram', 'Hint', 'Quiz', 'Step', 'Stepper', 'Trace'] as const;

export const DIAGRAMS = ['namespaces', 'overlay', 'bridge', 'docker-run'] as const;

/** Check ids travel to the agent, which accepts only these. */
export const CHECK_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

export const FRONTMATTER_FIELDS = ['title', 'summary', 'order', 'duration', 'objectives', 'terminals', 'image'] as const;
