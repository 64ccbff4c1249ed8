/**
 * A serial console in xterm.js: the console's bytes are written to the terminal as they arrive, what the
 * user types goes back as bytes. The channel is opened once per ticket (deferred a tick, so React's
 * development double-mount never spends the one-time ticket on a channel it closes at once).
 */
import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { useEffect, useRef, useState } from 'react';
import { openConsoleChannel, sendInFrames } from './consoleChannel';
import { mirrorInlineStyles } from './inlineStyleMirror';

export interface SerialTerminalProps {
  ticket: string;
  active: boolean;
  onClosed(message: string): void;
}

export function SerialTerminal({ ticket, active, onClosed }: SerialTerminalProps) {
  const hostRef = useRef<HTMLDivElement>(null);
  const terminalRef = useRef<Terminal | null>(null);
  const fitRef = useRef<FitAddon | null>(null);
  const onClosedRef = useRef(onClosed);
  onClosedRef.current = onClosed;
  const [copied, setCopied] = useState<string | null>(null);
  /** The current copy action, for the terminal's key handler (set once per render below). */
  const copyRef = useRef<() => Promise<void>>(async () => undefined);

  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    const unmirror = mirrorInlineStyles(host);
    const terminal = new Terminal({ scrollback: 5000, cursorBlink: true, fontFamily: 'DejaVu Sans Mono, monospace', fontSize: 13 });
    const fit = new FitAddon();
    terminal.loadAddon(fit);
    terminal.open(host);
    terminalRef.current = terminal;
    fitRef.current = fit;
    const encoder = new TextEncoder();
    let channel: ReturnType<typeof openConsoleChannel> | null = null;
    const start = setTimeout(() => {
      const c = openConsoleChannel(ticket);
      channel = c;
      c.onmessage = (event) => terminal.write(new Uint8Array(event.data as ArrayBuffer));
      c.onclose = (event) => onClosedRef.current(event.reason || 'The console connection closed.');
    }, 0);
    // Ctrl+Shift+C / Ctrl+Shift+V as in desktop terminals (plain Ctrl+C belongs to the guest).
    terminal.attachCustomKeyEventHandler((event) => {
      if (event.type !== 'keydown' || !event.ctrlKey || !event.shiftKey) return true;
      if (event.code === 'KeyC') {
        void copyRef.current();
        return false;
      }
      if (event.code === 'KeyV') {
        navigator.clipboard.readText().then(
          (text) => terminal.paste(text),
          (error: unknown) => setCopied(`Could not paste: ${error instanceof Error ? error.message : String(error)}`),
        );
        return false;
      }
      return true;
    });
    const input = terminal.onData((data) => {
      if (channel?.readyState === WebSocket.OPEN) sendInFrames(channel, encoder.encode(data));
    });
    const resize = new ResizeObserver(() => {
      if (host.clientWidth > 0) fit.fit();
    });
    resize.observe(host);
    return () => {
      clearTimeout(start);
      resize.disconnect();
      input.dispose();
      if (channel) {
        channel.onclose = null;
        channel.close();
      }
      terminal.dispose();
      unmirror();
      terminalRef.current = null;
    };
  }, [ticket]);

  useEffect(() => {
    if (active) {
      fitRef.current?.fit();
      terminalRef.current?.focus();
    }
  }, [active]);

  const copy = async () => {
    const terminal = terminalRef.current;
    if (!terminal) return;
    const selection = terminal.getSelection();
    try {
      await navigator.clipboard.writeText(selection);
      setCopied(selection ? 'Copied the selection' : 'Nothing selected');
    } catch (error) {
      setCopied(`Could not copy: ${error instanceof Error ? error.message : String(error)}`);
    }
  };

  copyRef.current = copy;

  return (
    <div className="console-body">
      <div className="console-toolbar">
        <button type="button" className="btn btn-small" data-testid="serial-copy" onClick={() => void copy()} title="Copy the selected text to the clipboard (Ctrl+Shift+C)">
          Copy
        </button>
        <button type="button" className="btn btn-small" onClick={() => {
            // Focus back to the terminal, so Ctrl+Shift+C works right after.
            terminalRef.current?.selectAll();
            terminalRef.current?.focus();
          }} title="Select everything in the scrollback">
          Select all
        </button>
        {copied && (
          <span className="muted" role="status" data-testid="serial-copy-status">
            {copied}
          </span>
        )}
      </div>
      <div className="serial-terminal" ref={hostRef} data-testid="serial-terminal" />
    </div>
  );
}
