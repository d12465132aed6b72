'use client';

import '@xterm/xterm/css/xterm.css';
import { FitAddon } from '@xterm/addon-fit';
import { Unicode11Addon } from '@xterm/addon-unicode11';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { WebglAddon } from '@xterm/addon-webgl';
import { Terminal } from '@xterm/xterm';
import { useEffect, useRef } from 'react';
import { connectTerminal, type ConnectionCallbacks } from './connection';
import type { SessionClient } from './session-client';

declare global {
  interface Window {
    /** For the end-to-end tests: what the main terminal shows, and which session it is. */
    __byhandTerminal?: TerminalProbe;
    /** The same for every terminal tab, by terminal id. */
    __byhandTerminals?: Record<string, TerminalProbe>;
  }
}

interface TerminalProbe {
  text(): string;
  sessionId: string;
  cols: number;
}

interface Props extends ConnectionCallbacks {
  client: SessionClient;
  terminal: string;
}

/** An xterm.js terminal connected to terminal `terminal` of the lesson's sandbox. Browser only. */
export default function XtermView({ client, terminal, ...callbacks }: Props) {
  const host = useRef<HTMLDivElement>(null);
  // The latest callbacks, without restarting the session when the parent re-renders.
  const cb = useRef(callbacks);
  useEffect(() => {
    cb.current = callbacks;
  });

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const term = new Terminal({
      allowProposedApi: true, // needed for the Unicode 11 width tables
      cursorBlink: true,
      fontFamily: 'ui-monospace, "SF Mono", "Cascadia Mono", "DejaVu Sans Mono", Menlo, Consolas, monospace',
      // Phones get a smaller font so a line still holds about 45 columns.
      fontSize: window.matchMedia('(max-width: 640px)').matches ? 12 : 14,
      scrollback: 5000,
      theme: { background: '#09090b', foreground: '#e4e4e7', cursor: '#34d399', selectionBackground: '#3f3f46' },
    });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.loadAddon(new WebLinksAddon());
    term.loadAddon(new Unicode11Addon());
    term.unicode.activeVersion = '11';
    term.attachCustomKeyEventHandler((event) => clipboardKeys(term, event));
    term.open(el);
    loadWebgl(term);
    fit.fit();

    const resize = new ResizeObserver(() => requestAnimationFrame(() => el.isConnected && fit.fit()));
    resize.observe(el);

    const probe: TerminalProbe = {
      text: () => bufferText(term),
      sessionId: '',
      get cols() {
        return term.cols;
      },
    };
    const probes = (window.__byhandTerminals ??= {});
    const end = connectTerminal(term, client, terminal, {
      onStatus: (state, message) => cb.current.onStatus(state, message),
      onNotice: (message) => cb.current.onNotice(message),
      onLimit: (sessions) => cb.current.onLimit(sessions),
      onAccessCode: () => cb.current.onAccessCode(),
      onSessionId: (id) => {
        probe.sessionId = id;
        probes[terminal] = probe;
        if (terminal === '1') window.__byhandTerminal = probe;
        cb.current.onSessionId(id);
      },
    });
    return () => {
      end();
      if (window.__byhandTerminal === probe) delete window.__byhandTerminal;
      if (probes[terminal] === probe) delete probes[terminal];
      resize.disconnect();
      term.dispose();
    };
  }, [client, terminal]);

  return <div ref={host} className="h-full w-full" />;
}

/** WebGL is fastest, but it fails on some machines and GPUs can drop the context at any time. */
function loadWebgl(term: Terminal): void {
  try {
    const webgl = new WebglAddon();
    // Disposing the addon makes xterm.js fall back to its DOM renderer.
    webgl.onContextLoss(() => webgl.dispose());
    term.loadAddon(webgl);
  } catch (err) {
    console.info('WebGL renderer unavailable, using the DOM renderer:', (err as Error).message);
  }
}

/**
 * Ctrl+Shift+C copies the selection and Ctrl+Shift+V pastes, as in desktop terminals
 * (plain Ctrl+C and Ctrl+V must reach the shell). Returns false for keys xterm.js must ignore.
 */
function clipboardKeys(term: Terminal, event: KeyboardEvent): boolean {
  if (!event.ctrlKey || !event.shiftKey || event.altKey || event.metaKey) return true;
  const key = event.key.toLowerCase();
  if (key === 'c') {
    // Chrome would otherwise open the element inspector.
    event.preventDefault();
    if (event.type === 'keydown' && term.hasSelection()) void copySelection(term);
    return false;
  }
  // Leaving Ctrl+Shift+V to the browser fires a paste event, which xterm.js handles itself
  // (and which works without the Clipboard API's permission prompt).
  return key !== 'v';
}

async function copySelection(term: Terminal): Promise<void> {
  const text = term.getSelection();
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // No Clipboard API over plain http: the copy command reaches xterm.js's own copy handler.
    document.execCommand('copy');
  }
}

/**
 * Every line of the active buffer, scrollback included, trimmed at the right. A line too long
 * for the terminal's width comes back whole, not cut where xterm.js wrapped it.
 */
function bufferText(term: Terminal): string {
  const buffer = term.buffer.active;
  const lines: string[] = [];
  let line = '';
  for (let i = 0; i < buffer.length; i++) {
    const continues = buffer.getLine(i + 1)?.isWrapped ?? false;
    // A row that continues on the next one keeps its full width: its trailing blanks are text.
    line += buffer.getLine(i)?.translateToString(!continues) ?? '';
    if (!continues) {
      lines.push(line.trimEnd());
      line = '';
    }
  }
  return lines.join('\n');
}
