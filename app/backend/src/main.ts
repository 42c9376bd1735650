import { ConfigError, loadConfig } from "./config.js";
import { startService } from "./service.js";

function exitOnConfigError(error: unknown): never {
  if (error instanceof ConfigError) {
    process.stderr.write(`leadms-backend: ${error.message}\n`);
    process.exit(1);
  }
  throw error;
}

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  exitOnConfigError(error);
}

try {
  const service = await startService(config, { onShutdownDeadline: () => process.exit(1) });
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => {
      service.shutdown(signal).then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`leadms-backend: failed to start: ${message}\n`);
  process.exit(1);
}
