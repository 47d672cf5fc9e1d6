import type { Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';
import type { SessionQueue } from './session-queue.js';
import { lastReadyStatus, simpleQuery, SYNC_MESSAGE, takeFrame, type FrontendFrame } from './wire-protocol-frames.js';

export interface SharedSession {
  readonly client: PGlite;
  readonly queue: SessionQueue;
}

/**
 * One local client's connection to the embedded database. Its messages run
 * on the one shared session, in order, one at a time. The session is taken
 * from the queue at the client's first message and handed back only when the
 * backend reports ReadyForQuery with status idle ('I'): so the server's own
 * queries never run inside the client's transaction block, nor between its
 * Parse and Sync (whose unnamed statement and portal they would replace).
 *
 * A client that goes away while holding the session (a killed CLI, a closed
 * socket) has its exchange ended with Sync and its transaction rolled back
 * before the session is handed on. One that holds it and sends nothing for
 * `holdLimitMs` is disconnected the same way, so a stopped CLI (Ctrl-Z in the
 * middle of a transaction) cannot stall the server for good; PostgreSQL's
 * idle_in_transaction_session_timeout does the same.
 */
export class EmbeddedSocketConnection {
  /** Resolves once the socket is closed and the session is no longer held. */
  readonly done: Promise<void>;
  private input: Buffer = Buffer.alloc(0);
  private started = false;
  private ending = false;
  private release: (() => void) | undefined;
  private work: Promise<void> = Promise.resolve();
  private holdTimer: NodeJS.Timeout | undefined;

  constructor(private readonly socket: Socket, private readonly session: SharedSession, private readonly holdLimitMs: number) {
    let finish!: () => void;
    this.done = new Promise((resolve) => { finish = resolve; });
    socket.on('data', (chunk: Buffer) => {
      clearTimeout(this.holdTimer);
      this.input = this.input.length ? Buffer.concat([this.input, chunk]) : chunk;
      this.schedule(() => this.drain());
    });
    // 'close' follows every error; the session is handed back there.
    socket.on('error', () => {});
    socket.once('close', () => {
      this.ending = true;
      clearTimeout(this.holdTimer);
      this.schedule(() => this.abandon());
      void this.work.then(finish);
    });
  }

  destroy(): void {
    this.socket.destroy();
  }

  private schedule(step: () => Promise<void>): void {
    this.work = this.work.then(step).catch(() => { this.socket.destroy(); });
  }

  private async drain(): Promise<void> {
    for (;;) {
      if (this.ending) return;
      const next = takeFrame(this.input, this.started);
      if (!next) break;
      this.input = next.rest;
      await this.handle(next.frame);
    }
    if (this.release && !this.ending) {
      this.holdTimer = setTimeout(() => this.socket.destroy(), this.holdLimitMs);
      this.holdTimer.unref();
    }
  }

  private async handle(frame: FrontendFrame): Promise<void> {
    switch (frame.kind) {
      case 'encryption-request':
        this.socket.write('N');
        return;
      case 'cancel-request':
      case 'terminate':
        this.ending = true;
        this.socket.end();
        return;
      case 'startup':
        await this.run(frame.bytes);
        this.started = true;
        this.handBack();
        return;
      case 'message':
        await this.run(frame.bytes);
    }
  }

  private async run(message: Uint8Array): Promise<void> {
    this.release ??= await this.session.queue.acquire();
    if (this.ending) return;
    const output = await this.execute(message);
    if (output.length) this.socket.write(Buffer.from(output));
    if (lastReadyStatus(output) === 'I') this.handBack();
  }

  private execute(message: Uint8Array): Promise<Uint8Array> {
    const { client } = this.session;
    return client.runExclusive(() => client.execProtocolRaw(message));
  }

  private handBack(): void {
    const release = this.release;
    this.release = undefined;
    release?.();
  }

  /** The client is gone: end whatever it left open, then hand the session on. */
  private async abandon(): Promise<void> {
    if (!this.release) return;
    try {
      if (lastReadyStatus(await this.execute(SYNC_MESSAGE)) !== 'I') await this.execute(simpleQuery('rollback'));
    } finally {
      this.handBack();
    }
  }
}
