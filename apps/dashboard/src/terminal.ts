import type { ErrorBody, RunServerMessage } from '@paas/core';
import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';

/** The largest stdin frame the run protocol takes (core's run-protocol.ts). */
const RUN_STDIN_CHUNK = 32 * 1024;

export interface TerminalHooks {
  started(instance: string): void;
  exited(code: number): void;
  /** The session could not start or broke; `opened`: whether the socket ever connected. */
  failed(error: ErrorBody | null, opened: boolean): void;
}

export interface TerminalSession {
  close(): void;
}

/**
 * `paas run` in the page: an xterm (DOM renderer, so its text is in the
 * document) bridged to the run WebSocket. Keys go out as binary stdin
 * frames; output frames carry a leading stream byte; resizes are JSON.
 */
export function openTerminal(container: HTMLElement, urlFor: (cols: number, rows: number) => string, hooks: TerminalHooks): TerminalSession {
  const term = new Terminal({
    cursorBlink: true,
    fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace',
    fontSize: 14,
    scrollback: 5_000,
  });
  const fit = new FitAddon();
  term.loadAddon(fit);
  term.open(container);
  fit.fit();

  const ws = new WebSocket(urlFor(term.cols, term.rows));
  ws.binaryType = 'arraybuffer';
  const encoder = new TextEncoder();
  let opened = false;
  let ended = false;
  let closedByUs = false;

  const sendBytes = (bytes: Uint8Array): void => {
    if (ws.readyState !== WebSocket.OPEN) return;
    for (let at = 0; at < bytes.length; at += RUN_STDIN_CHUNK) ws.send(bytes.subarray(at, at + RUN_STDIN_CHUNK));
  };
  const subscriptions = [
    term.onData((text) => sendBytes(encoder.encode(text))),
    // Bytes xterm reports outside UTF-8 (some mouse modes): one char per byte.
    term.onBinary((text) => sendBytes(Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff))),
    term.onResize(({ cols, rows }) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'resize', cols, rows }));
    }),
  ];
  const observer = new ResizeObserver(() => fit.fit());
  observer.observe(container);

  ws.onopen = () => {
    opened = true;
  };
  ws.onmessage = (e: MessageEvent<ArrayBuffer | string>) => {
    if (typeof e.data !== 'string') {
      // The first byte names the stream; stdout and stderr share the one screen of a TTY.
      const bytes = new Uint8Array(e.data);
      if (bytes.length > 1) term.write(bytes.subarray(1));
      return;
    }
    let m: RunServerMessage;
    try {
      m = JSON.parse(e.data) as RunServerMessage;
    } catch {
      return;
    }
    if (m.type === 'started') hooks.started(m.instance);
    else if (m.type === 'exit') {
      ended = true;
      hooks.exited(m.code);
    } else if (m.type === 'error') {
      ended = true;
      hooks.failed(m.error, opened);
    }
  };
  ws.onclose = () => {
    term.options.disableStdin = true;
    if (!ended && !closedByUs) hooks.failed(null, opened);
  };
  term.focus();

  return {
    close() {
      closedByUs = true;
      observer.disconnect();
      for (const s of subscriptions) s.dispose();
      ws.close();
      term.dispose();
    },
  };
}
