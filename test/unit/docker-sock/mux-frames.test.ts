import { describe, expect, it } from 'vitest';

import {
  FrameDecoder,
  FrameType,
  MuxStreamError,
  encodeFrame,
  helloAckFrame,
  helloFrame,
  windowFrame,
} from '../../../electron/core/docker-sock/mux-frames.js';

describe('mux frames', () => {
  it('encodes the header as PROTOCOL.md lays it out (big-endian, 12 bytes)', () => {
    const f = encodeFrame(FrameType.data, 0x01020304, Buffer.from('hi'));
    expect([...f]).toEqual([3, 0, 0, 0, 1, 2, 3, 4, 0, 0, 0, 2, 0x68, 0x69]);
    expect([...windowFrame(7, 65_536).subarray(12)]).toEqual([0, 1, 0, 0]);
    expect(helloFrame().toString('latin1')).toBe('\x01\0\0\0\0\0\0\0\0\0\0\x0bdlite-mux/1');
    expect(() => encodeFrame(FrameType.data, 1, Buffer.alloc(65_537))).toThrow(RangeError);
  });

  it('skips garbage and half frames until a HELLO or HELLO_ACK, then parses across chunk edges', () => {
    const d = new FrameDecoder();
    const stale = encodeFrame(FrameType.data, 9, Buffer.alloc(100, 1)).subarray(5);
    const stream = Buffer.concat([
      stale,
      helloAckFrame().subarray(0, 10), // a torn ACK is not an ACK
      helloFrame(),
      encodeFrame(FrameType.open, 1),
      encodeFrame(FrameType.data, 1, Buffer.from('abc')),
      encodeFrame(42, 1, Buffer.from('unknown type, still framed')),
    ]);
    const frames = [];
    for (let i = 0; i < stream.length; i += 7) frames.push(...d.push(stream.subarray(i, i + 7)));
    expect(frames.map((f) => [f.type, f.id, f.payload.toString()])).toEqual([
      [FrameType.hello, 0, 'dlite-mux/1'],
      [FrameType.open, 1, ''],
      [FrameType.data, 1, 'abc'],
      [42, 1, 'unknown type, still framed'],
    ]);
    expect(d.inSync).toBe(true);
  });

  it('treats a length over 64 KiB as a broken stream and goes back to scanning', () => {
    const d = new FrameDecoder();
    d.push(helloAckFrame());
    const bad = encodeFrame(FrameType.data, 1);
    bad.writeUInt32BE(65_537, 8);
    expect(() => d.push(bad)).toThrow(MuxStreamError);
    expect(d.inSync).toBe(false);
    expect(d.push(encodeFrame(FrameType.data, 1, Buffer.from('lost')))).toEqual([]);
    expect(d.push(helloFrame()).map((f) => f.type)).toEqual([FrameType.hello]);
  });
});
