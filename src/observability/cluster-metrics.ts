import { AggregatorRegistry, type Registry } from 'prom-client';

/**
 * In a node:cluster worker (WORKERS=N): answer the primary's metrics requests
 * with this worker's registry, so the primary's METRICS_PORT serves every
 * worker's series summed (cluster-primary.ts). prom-client installs its
 * worker-side listener when an AggregatorRegistry is constructed.
 */
export function shareMetricsWithPrimary(registry: Registry): void {
  AggregatorRegistry.setRegistries([registry]);
  void new AggregatorRegistry();
}
