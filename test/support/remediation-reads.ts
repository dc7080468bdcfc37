import type { CollectedMetrics } from '../../functions/scanner/collect/metrics';

/**
 * Stands in, in scan-level tests, for the collection that reads each drilled-down function's event source
 * mappings and provisioned concurrency (issue 9's collection work, not yet on this branch): where collection left
 * either unread, the function is reported as an account without mappings or provisioned concurrency would show
 * it. What collection did read is kept, so this changes nothing once collection reads both itself.
 */
export function assumingNoMappingsOrProvisioned(collected: CollectedMetrics): CollectedMetrics {
  return {
    ...collected,
    metrics: {
      ...collected.metrics,
      functions: collected.metrics.functions.map((fn) => ({
        ...fn,
        eventSourceMappings: fn.eventSourceMappings ?? [],
        provisionedConcurrency: fn.provisionedConcurrency ?? 0,
      })),
    },
  };
}
