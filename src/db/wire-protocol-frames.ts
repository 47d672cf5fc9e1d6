/**
 * Just enough of the PostgreSQL frontend/backend protocol (version 3, chapter
 * "Frontend/Backend Protocol", section "Message Formats") to pass a client's
 * messages to the embedded database one at a time and to see where its
 * answers end: the statements themselves are PGlite's to parse and run.
 */

const SSL_REQUEST_CODE = 80877103;
const GSSENC_REQUEST_CODE = 80877104;
const CANCEL_REQUEST_CODE = 80877102;
const PROTOCOL_3_0 = 196608;
// PostgreSQL refuses startup packets over 10000 bytes (MAX_STARTUP_PACKET_LENGTH)
// and messages over 1 GB (PQ_LARGE_MESSAGE_LIMIT).
const MAX_STARTUP_LENGTH = 10_000;
const MAX_MESSAGE_LENGTH = 0x3fffffff;

export type FrontendFrame =
  /** SSLRequest or GSSENCRequest: answered with a single 'N' (the socket is local). */
  | { kind: 'encryption-request' }
  /** CancelRequest: arrives on a connection of its own; there is no backend to signal. */
  | { kind: 'cancel-request' }
  | { kind: 'startup'; bytes: Uint8Array }
  | { kind: 'terminate' }
  | { kind: 'message'; bytes: Uint8Array };

export class ProtocolViolation extends Error {}

/**
 * The first complete frame in `buffer` and what follows it, or undefined while
 * it is incomplete. Before the startup packet, frames are untyped (length,
 * then a request code); after it, each starts with a type byte.
 */
export function takeFrame(buffer: Buffer, started: boolean): { frame: FrontendFrame; rest: Buffer } | undefined {
  return started ? takeTypedMessage(buffer) : takeStartupPacket(buffer);
}

function takeStartupPacket(buffer: Buffer): { frame: FrontendFrame; rest: Buffer } | undefined {
  if (buffer.length < 8) return undefined;
  const length = buffer.readInt32BE(0);
  if (length < 8 || length > MAX_STARTUP_LENGTH) throw new ProtocolViolation(`invalid startup packet length ${length}`);
  if (buffer.length < length) return undefined;
  const code = buffer.readInt32BE(4);
  const rest = buffer.subarray(length);
  if (code === SSL_REQUEST_CODE || code === GSSENC_REQUEST_CODE) return { frame: { kind: 'encryption-request' }, rest };
  if (code === CANCEL_REQUEST_CODE) return { frame: { kind: 'cancel-request' }, rest };
  if (code !== PROTOCOL_3_0) throw new ProtocolViolation(`unsupported protocol ${code >> 16}.${code & 0xffff}`);
  return { frame: { kind: 'startup', bytes: Uint8Array.from(buffer.subarray(0, length)) }, rest };
}

function takeTypedMessage(buffer: Buffer): { frame: FrontendFrame; rest: Buffer } | undefined {
  if (buffer.length < 5) return undefined;
  const length = buffer.readInt32BE(1);
  if (length < 4 || length > MAX_MESSAGE_LENGTH) throw new ProtocolViolation(`invalid message length ${length}`);
  if (buffer.length < 1 + length) return undefined;
  const rest = buffer.subarray(1 + length);
  if (buffer[0] === 0x58 /* 'X' Terminate */) return { frame: { kind: 'terminate' }, rest };
  return { frame: { kind: 'message', bytes: Uint8Array.from(buffer.subarray(0, 1 + length)) }, rest };
}

/**
 * The transaction status of the last ReadyForQuery ('Z') among complete
 * backend messages: 'I' idle, 'T' in a transaction block, 'E' in a failed
 * one; undefined when the output holds none (the client's exchange goes on).
 */
export function lastReadyStatus(output: Uint8Array): 'I' | 'T' | 'E' | undefined {
  let status: 'I' | 'T' | 'E' | undefined;
  const view = new DataView(output.buffer, output.byteOffset, output.byteLength);
  for (let offset = 0; offset + 5 <= output.length;) {
    const length = view.getInt32(offset + 1);
    if (length < 4 || offset + 1 + length > output.length) break;
    if (output[offset] === 0x5a /* 'Z' */ && length === 5) status = String.fromCharCode(output[offset + 5]) as 'I' | 'T' | 'E';
    offset += 1 + length;
  }
  return status;
}

/** Sync ('S'): ends an extended-query exchange; the backend answers ReadyForQuery. */
export const SYNC_MESSAGE = Uint8Array.from([0x53, 0, 0, 0, 4]);

/** Query ('Q') carrying one simple-protocol statement. */
export function simpleQuery(text: string): Uint8Array {
  const body = Buffer.from(`${text}\0`, 'utf8');
  const message = Buffer.alloc(5 + body.length);
  message.write('Q', 0, 'latin1');
  message.writeInt32BE(4 + body.length, 1);
  body.copy(message, 5);
  return Uint8Array.from(message);
}
