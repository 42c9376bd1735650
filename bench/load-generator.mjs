// One autocannon run in a process of its own, so the load generator never shares an event loop with
// the runner. Prints one JSON line: requests per second, p99 latency and failed requests.
import autocannon from "autocannon";

const { url, connections, duration, amount, headers } = JSON.parse(process.argv[2]);
const result = await autocannon({ url, connections, headers, ...(amount ? { amount } : { duration }) });
process.stdout.write(
  `${JSON.stringify({
    rps: result.requests.average,
    p99Ms: result.latency.p99,
    failed: result.non2xx + result.errors + result.timeouts,
  })}\n`,
);
