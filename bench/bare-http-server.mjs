// The baseline for bench:backend: bare node:http answering the same bodies as the service's probes.
import http from "node:http";

const ping = Buffer.from("pong");
const ready = Buffer.from(JSON.stringify({ status: "ready" }));

const server = http.createServer((request, response) => {
  if (request.url === "/ping") {
    response.writeHead(200, { "content-type": "text/plain; charset=utf-8", "content-length": ping.length });
    response.end(ping);
  } else if (request.url === "/health/ready") {
    response.writeHead(200, {
      "content-type": "application/json; charset=utf-8",
      "content-length": ready.length,
    });
    response.end(ready);
  } else {
    response.writeHead(404).end();
  }
});
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  process.stdout.write(`listening on ${server.address().port}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
