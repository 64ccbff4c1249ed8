/**
 * A graphical console in noVNC: RFB over the console's byte channel (a WebSocket-like object, so the same
 * in browser mode and Electron), scaled to the tab, with Ctrl+Alt+Del.
 */
import RFB from '@novnc/novnc';
import { useEffect, useRef, useState } from 'react';
import { openConsoleChannel } from './consoleChannel';

export interface VncScreenProps {
  ticket: string;
  active: boolean;
  onClosed(message: string): void;
}

export function VncScreen({ ticket, active, onClosed }: VncScreenProps) {
  const hostRef = useRef<HTMLDivElement>(null);
  const rfbRef = useRef<RFB | null>(null);
  const onClosedRef = useRef(onClosed);
  onClosedRef.current = onClosed;
  const [status, setStatus] = useState('Connecting…');
  const [size, setSize] = useState<string | null>(null);

  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    let rfb: RFB | null = null;
    // Deferred a tick: React's development double-mount must not spend the one-time ticket.
    const start = setTimeout(() => {
      const channel = openConsoleChannel(ticket);
      const r = new RFB(host, channel, { shared: true });
      rfb = r;
      rfbRef.current = r;
      r.scaleViewport = true;
      r.resizeSession = false;
      r.background = '#1c2027';
      r.addEventListener('connect', () => {
        setStatus('Connected');
        const canvas = host.querySelector('canvas');
        if (canvas) setSize(`${canvas.width}×${canvas.height}`);
      });
      r.addEventListener('desktopname', (event) => setStatus(`Connected to ${(event as CustomEvent<{ name: string }>).detail.name}`));
      r.addEventListener('credentialsrequired', () => setStatus('The VNC server asks for a password, which Tandem does not support yet'));
      r.addEventListener('securityfailure', (event) =>
        setStatus(`VNC security failure: ${(event as CustomEvent<{ reason?: string }>).detail.reason ?? 'refused'}`),
      );
      r.addEventListener('disconnect', () => {
        rfbRef.current = null;
        onClosedRef.current('The graphical console disconnected.');
      });
    }, 0);
    return () => {
      clearTimeout(start);
      if (rfb) {
        rfbRef.current = null;
        rfb.disconnect();
      }
    };
  }, [ticket]);

  useEffect(() => {
    if (active) rfbRef.current?.focus();
  }, [active]);

  return (
    <div className="console-body">
      <div className="console-toolbar">
        <button type="button" className="btn btn-small" data-testid="vnc-ctrl-alt-del" onClick={() => rfbRef.current?.sendCtrlAltDel()}>
          Ctrl+Alt+Del
        </button>
        <span className="muted" role="status" data-testid="vnc-status">
          {status}
          {size && ` · ${size}`}
        </span>
      </div>
      <div className="vnc-screen" ref={hostRef} data-testid="vnc-screen" />
    </div>
  );
}
