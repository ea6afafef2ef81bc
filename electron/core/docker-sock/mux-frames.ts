// The dlite-mux frame format (build/os/mux/PROTOCOL.md): a 12-byte header — type, flags (0),
// reserved (0), connection id, payload length, big-endian — then the payload.

export const FrameType = {
  hello: 1,
  open: 2,
  data: 3,
  eof: 4,
  close: 5,
  window: 6,
  helloAck: 7,
} as const;
export type FrameTypeCode = (typeof FrameType)[keyof typeof FrameType];

export interface Frame {
  readonly type: number;
  readonly id: number;
  readonly payload: Buffer;
}

export const HEADER_BYTES = 12;
/** Largest payload a frame may carry. */
export const MAX_PAYLOAD = 65_536;
/** Credit each direction of a connection starts with, bytes. */
export const INITIAL_CREDIT = 262_144;
/** HELLO and HELLO_ACK carry this. */
export const MUX_VERSION = Buffer.from('dlite-mux/1', 'ascii');

/** The header of a frame as bytes. */
export function encodeHeader(type: number, id: number, len: number): Buffer {
  const h = Buffer.alloc(HEADER_BYTES);
  h.writeUInt8(type, 0);
  h.writeUInt32BE(id >>> 0, 4);
  h.writeUInt32BE(len, 8);
  return h;
}

/** A whole frame as one buffer (header + payload). */
export function encodeFrame(type: number, id: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  if (payload.length > MAX_PAYLOAD) throw new RangeError(`mux: payload of ${payload.length} bytes`);
  return Buffer.concat([encodeHeader(type, id, payload.length), payload]);
}

/** WINDOW frame granting `n` bytes for `id`. */
export function windowFrame(id: number, n: number): Buffer {
  const p = Buffer.alloc(4);
  p.writeUInt32BE(n, 0);
  return encodeFrame(FrameType.window, id, p);
}

const HELLO_BYTES = encodeFrame(FrameType.hello, 0, MUX_VERSION);
const ACK_BYTES = encodeFrame(FrameType.helloAck, 0, MUX_VERSION);
export const helloFrame = (): Buffer => Buffer.from(HELLO_BYTES);
export const helloAckFrame = (): Buffer => Buffer.from(ACK_BYTES);

/**
 * Splits a byte stream into frames. Starts (and, after {@link resync}, restarts) in sync mode:
 * input is skipped until a complete HELLO or HELLO_ACK frame appears, matched byte for byte, so
 * a half frame left by a previous run of the peer is never parsed. A length over
 * {@link MAX_PAYLOAD} outside sync mode throws `MuxStreamError`; the caller then resyncs.
 */
export class FrameDecoder {
  private buf: Buffer = Buffer.alloc(0);
  private syncing = true;

  get inSync(): boolean {
    return !this.syncing;
  }

  /** Drops buffered input and scans for the next HELLO / HELLO_ACK. */
  resync(): void {
    this.syncing = true;
    this.buf = Buffer.alloc(0);
  }

  /** Feeds bytes; returns every frame now complete, in order. */
  push(chunk: Buffer): Frame[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const frames: Frame[] = [];
    if (this.syncing && !this.scan(frames)) return frames;
    let off = 0;
    while (this.buf.length - off >= HEADER_BYTES) {
      const len = this.buf.readUInt32BE(off + 8);
      if (len > MAX_PAYLOAD) {
        this.resync();
        throw new MuxStreamError(`frame length ${len} exceeds ${MAX_PAYLOAD}`);
      }
      if (this.buf.length - off < HEADER_BYTES + len) break;
      frames.push({
        type: this.buf.readUInt8(off),
        id: this.buf.readUInt32BE(off + 4),
        payload: this.buf.subarray(off + HEADER_BYTES, off + HEADER_BYTES + len),
      });
      off += HEADER_BYTES + len;
    }
    this.buf = off === this.buf.length ? Buffer.alloc(0) : Buffer.from(this.buf.subarray(off));
    return frames;
  }

  /** In sync mode: finds the first HELLO/ACK; true when found (it is emitted, the rest stays). */
  private scan(frames: Frame[]): boolean {
    const h = this.buf.indexOf(HELLO_BYTES);
    const a = this.buf.indexOf(ACK_BYTES);
    const at = h < 0 ? a : a < 0 ? h : Math.min(h, a);
    if (at < 0) {
      const keep = HELLO_BYTES.length - 1;
      if (this.buf.length > keep) this.buf = Buffer.from(this.buf.subarray(this.buf.length - keep));
      return false;
    }
    frames.push({ type: at === h ? FrameType.hello : FrameType.helloAck, id: 0, payload: MUX_VERSION });
    this.buf = this.buf.subarray(at + HELLO_BYTES.length);
    this.syncing = false;
    return true;
  }
}

/** The stream cannot be parsed any more (a corrupt header). */
export class MuxStreamError extends Error {
  override name = 'MuxStreamError';
}
