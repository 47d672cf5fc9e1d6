import { connect } from 'node:net';

/**
 * One HTTP/1.1 request written byte by byte, for what fetch refuses to send
 * (NUL, CR/LF inside a header, raw invalid UTF-8). The request must carry
 * `Connection: close`: the answer is everything read until the server closes.
 * Written, not end()ed: a half-closed connection lets the server drop a
 * response still being prepared.
 */
export function rawHttp(port: number, request: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.setTimeout(60_000, () => socket.destroy(new Error('raw request timed out')));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.write(request);
  });
}
