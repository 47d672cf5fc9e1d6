import { pino, type Logger } from 'pino';

export type { Logger };

/** Field paths that may carry credentials; never written to logs. */
const REDACTED_PATHS = [
  'password', '*.password', 'client_secret', '*.client_secret', 'secret', '*.secret',
  'access_token', '*.access_token', 'refresh_token', '*.refresh_token', 'id_token', '*.id_token',
  'code', '*.code', 'code_verifier', '*.code_verifier', 'device_code', '*.device_code',
  'req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]',
];

export function createLogger(options: { level: string; destination?: NodeJS.WritableStream }): Logger {
  return pino(
    { level: options.level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, base: undefined },
    options.destination as pino.DestinationStream | undefined,
  );
}
