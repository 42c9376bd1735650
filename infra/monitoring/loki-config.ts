import type { StackSettings } from "../config-schema.js";

export const LOKI_PORT = 3100;
/** Where the S3 secret key reaches Loki: an environment variable expanded into the config at start. */
export const LOKI_SECRET_ENV = "LOKI_S3_SECRET_ACCESS_KEY";

/**
 * loki.yaml for one single-binary Loki: TSDB index, the stack's volume (or S3-compatible storage),
 * retention applied by the compactor, ingestion limits and small embedded caches in place of memcached.
 */
export function lokiConfig(settings: StackSettings["monitoring"]["loki"]): Record<string, unknown> {
  const s3 = settings.objectStorage;
  const store = s3 ? "s3" : "filesystem";
  return {
    auth_enabled: false,
    server: { http_listen_port: LOKI_PORT, grpc_listen_port: 9095, log_level: "info" },
    common: {
      path_prefix: "/loki",
      replication_factor: 1,
      ring: { kvstore: { store: "inmemory" } },
      storage: s3
        ? {
            s3: {
              endpoint: s3.endpoint,
              bucketnames: s3.bucket,
              region: s3.region,
              access_key_id: s3.accessKeyId,
              secret_access_key: `\${${LOKI_SECRET_ENV}}`,
              s3forcepathstyle: true,
            },
          }
        : { filesystem: { chunks_directory: "/loki/chunks", rules_directory: "/loki/rules" } },
    },
    schema_config: {
      configs: [
        {
          from: "2026-01-01",
          store: "tsdb",
          object_store: store,
          schema: "v13",
          index: { prefix: "index_", period: "24h" },
        },
      ],
    },
    limits_config: {
      retention_period: settings.retention,
      ingestion_rate_mb: settings.ingestionRateMb,
      ingestion_burst_size_mb: settings.ingestionBurstMb,
      reject_old_samples: true,
      reject_old_samples_max_age: "168h",
      max_query_series: 1000,
      allow_structured_metadata: true,
    },
    compactor: {
      working_directory: "/loki/compactor",
      compaction_interval: "10m",
      retention_enabled: true,
      retention_delete_delay: "2h",
      delete_request_store: store,
    },
    query_range: {
      results_cache: { cache: { embedded_cache: { enabled: true, max_size_mb: settings.resultsCacheMb } } },
    },
    chunk_store_config: {
      chunk_cache_config: { embedded_cache: { enabled: true, max_size_mb: settings.resultsCacheMb } },
    },
    analytics: { reporting_enabled: false },
  };
}
