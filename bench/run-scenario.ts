import autocannon, { type AutocannonRequest } from 'autocannon';

/** One measured request shape: what to send and what counts as a correct answer. */
export interface ScenarioRequest {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /**
   * Fills in a per-request credential (a fresh code, a refresh token); returns
   * undefined when the pool is empty, which ends the measurement early.
   */
  next?: () => Partial<Pick<ScenarioRequest, 'body' | 'headers'>> | undefined;
  /** Whether the answer is the protocol's correct one; anything else is an error. */
  check: (status: number, body: string) => boolean;
}

export interface ScenarioResult {
  requests: number;
  seconds: number;
  reqPerSec: number;
  p50: number;
  p99: number;
  errors: number;
  /** The first wrong answer, to say what went wrong. */
  firstError?: string;
}

export interface RunOptions {
  url: string;
  connections: number;
  /** Seconds of load (the benchmark); ignored when `amount` is set. */
  seconds?: number;
  /**
   * A fixed number of requests instead of a duration (autocannon's `amount`),
   * so a check of the harness does the same work however busy the machine is.
   */
  amount?: number;
  /** Fixed overall request rate (the soak); unlimited when absent. */
  overallRate?: number;
}

/**
 * Runs autocannon against one scenario. Requests sent after a pool ran dry
 * (at most one per connection) go to discovery and are neither counted nor
 * checked.
 */
export function runScenario(request: ScenarioRequest, options: RunOptions): Promise<ScenarioResult> {
  let wrong = 0;
  let fillers = 0;
  let firstError: string | undefined;
  let stop = () => {};
  const shape: AutocannonRequest = {
    method: request.method,
    path: request.path,
    headers: request.headers,
    body: request.body,
    // autocannon treats a present-but-undefined hook as a hook, so it is only set when needed.
    ...(request.next ? {
      setupRequest: (base: AutocannonRequest, context: Record<string, unknown>) => {
        const filled = request.next?.();
        context.filler = filled === undefined;
        if (filled) return { ...base, method: request.method, path: request.path, ...filled, headers: { ...request.headers, ...filled.headers } };
        setImmediate(stop);
        return { ...base, method: 'GET', path: '/.well-known/openid-configuration', body: undefined, headers: {} };
      },
    } : {}),
    onResponse: (status, body, context) => {
      if (context.filler) {
        fillers += 1;
        return;
      }
      if (!request.check(status, body)) {
        wrong += 1;
        firstError ??= `${status} ${body.slice(0, 300)}`;
      }
    },
  };
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const instance = autocannon({
      url: options.url,
      connections: options.connections,
      ...(options.amount !== undefined ? { amount: options.amount } : { duration: options.seconds ?? 1 }),
      overallRate: options.overallRate,
      timeout: 10,
      requests: [shape],
    }, (err, result) => {
      if (err) return reject(err);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const requests = Math.max(0, result.requests.total - fillers);
      resolve({
        requests,
        seconds,
        reqPerSec: requests / Math.max(seconds, 1e-3),
        p50: result.latency.p50,
        p99: result.latency.p99,
        errors: wrong + result.errors + result.timeouts,
        firstError,
      });
    });
    stop = () => instance.stop();
  });
}
