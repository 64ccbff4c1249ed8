import { describe, expect, it } from 'vitest';
import { MAX_CONSOLE_CLIENT_FRAME_BYTES } from '../../../preload/api/consoles';
import { sendInFrames } from './consoleChannel';

describe('sendInFrames', () => {
  it('splits bytes into frames the byte channel accepts, in order, losing nothing', () => {
    const frames: Uint8Array[] = [];
    const bytes = Uint8Array.from({ length: 2 * MAX_CONSOLE_CLIENT_FRAME_BYTES + 5 }, (_, i) => i % 251);
    sendInFrames({ send: (data) => frames.push(new Uint8Array(data as Uint8Array)) }, bytes);
    expect(frames.map((f) => f.byteLength)).toEqual([MAX_CONSOLE_CLIENT_FRAME_BYTES, MAX_CONSOLE_CLIENT_FRAME_BYTES, 5]);
    expect(Buffer.concat(frames).equals(Buffer.from(bytes))).toBe(true);
  });

  it('a keystroke is one frame; nothing is sent for no bytes', () => {
    const frames: unknown[] = [];
    sendInFrames({ send: (data) => frames.push(data) }, new Uint8Array([3]));
    sendInFrames({ send: (data) => frames.push(data) }, new Uint8Array(0));
    expect(frames).toHaveLength(1);
  });
});
