/** Turns the code bundleMDX produced into a React component, with this app's own React. */
import type { ComponentType } from 'react';
import * as React from 'react';
import * as ReactDOM from 'react-dom';
import * as jsxRuntime from 'react/jsx-runtime';

/** Any component: MDX passes each the props its tag was written with. */
export type MdxComponents = Record<string, ComponentType<never>>;

export type MdxContent = ComponentType<{ components?: MdxComponents }>;

/**
 * Like mdx-bundler/client's getMDXComponent, but inside the app's bundle: mdx-bundler is an
 * external package on the server, so its client helper would load a second copy of React.
 * The three names are the globals bundleMDX's output refers to.
 */
export function mdxComponent(code: string): MdxContent {
  const run = new Function('React', 'ReactDOM', '_jsx_runtime', code) as (...globals: unknown[]) => { default: MdxContent };
  return run(React, ReactDOM, jsxRuntime).default;
}
