import http from "node:http";
import type { AddressInfo } from "node:net";

/** One alert of an Alertmanager webhook notification. */
export interface WebhookAlert {
  readonly status: "firing" | "resolved";
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
}

/** A local receiver for Alertmanager's webhook notifications, keeping every alert it was sent. */
export async function startWebhook(): Promise<{
  url: string;
  alerts: WebhookAlert[];
  stop: () => Promise<void>;
}> {
  const alerts: WebhookAlert[] = [];
  const server = http.createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", () => {
      alerts.push(...(JSON.parse(body) as { alerts: WebhookAlert[] }).alerts);
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/alerts`,
    alerts,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
