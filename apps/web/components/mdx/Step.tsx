'use client';

import { useState, useSyncExternalStore, type ReactNode } from 'react';
import {
  getServerTerminalState,
  getTerminalState,
  runInTerminal,
  subscribeTerminalState,
} from '../../lib/terminal-bus';

/**
 * A command for the learner: shown as code, with Copy and Run (types it into the terminal).
 * `terminal="2"` runs it in the lesson's second terminal tab.
 */
export function Step({ command, terminal = '1', children }: { command: string; terminal?: string; children?: ReactNode }) {
  const state = useSyncExternalStore(subscribeTerminalState, () => getTerminalState(terminal), getServerTerminalState);
  const [copied, setCopied] = useState(false);

  const copy = async () => {
    await copyText(command);
    setCopied(true);
    setTimeout(() => setCopied(false), 1500);
  };

  return (
    <div className="not-prose my-5" data-step-command={command}>
      {children ? <div className="prose prose-zinc mb-2 max-w-none dark:prose-invert">{children}</div> : null}
      <div className="flex items-stretch overflow-hidden rounded-md border border-zinc-300 bg-zinc-950 dark:border-zinc-700">
        <pre className="m-0 min-w-0 flex-1 whitespace-pre-wrap break-words px-4 py-3 font-mono text-sm leading-6 text-zinc-100">
          <span aria-hidden className="select-none text-emerald-400">$ </span>
          <code>{command}</code>
        </pre>
        <div className="flex shrink-0 items-center gap-1 border-l border-zinc-800 px-2">
          <button type="button" onClick={copy} className={`${BUTTON} text-zinc-200 hover:bg-zinc-800`} aria-label={`Copy: ${command}`}>
            {copied ? 'Copied' : 'Copy'}
          </button>
          <button
            type="button"
            onClick={() => runInTerminal(command, terminal)}
            disabled={state !== 'ready' && terminal === '1'}
            className={`${BUTTON} bg-emerald-700 text-white hover:bg-emerald-600 disabled:bg-zinc-700 disabled:text-zinc-400`}
            title={state === 'ready' ? 'Type this command into the terminal and press Enter' : 'The terminal is not connected'}
            aria-label={`Run in the terminal: ${command}`}
          >
            Run
          </button>
        </div>
      </div>
    </div>
  );
}

const BUTTON =
  'rounded px-2.5 py-1 text-xs font-medium focus-visible:outline-2 focus-visible:outline-emerald-400 disabled:cursor-not-allowed';

/** The Clipboard API needs a secure context; a classroom served over plain http is not one. */
async function copyText(text: string): Promise<void> {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.append(area);
  area.select();
  document.execCommand('copy');
  area.remove();
}
