import net from "node:net";

export type ProxyMode = "forward" | "refuse" | "blackhole";

/**
 * A TCP proxy on 127.0.0.1 that a test controls, to simulate a dependency outage without touching the
 * shared server: `refuse` closes every connection (as a dead server would), `blackhole` accepts and
 * never answers (as a hung one would), `forward` passes bytes through, optionally delayed.
 */
export class TcpProxy {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private mode: ProxyMode = "forward";
  private delayMs = 0;
  connections = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  get port(): number {
    const address = this.server?.address();
    if (!address || typeof address === "string") throw new Error("the proxy is not listening");
    return address.port;
  }

  async start(): Promise<this> {
    this.server = net.createServer((client) => this.accept(client));
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    return this;
  }

  /** Changes the mode; leaving `forward` drops every open connection. */
  setMode(mode: ProxyMode): void {
    this.mode = mode;
    if (mode !== "forward") this.dropAll();
  }

  setDelay(ms: number): void {
    this.delayMs = ms;
  }

  dropAll(): void {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  async stop(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on("close", () => this.sockets.delete(socket));
    socket.on("error", () => socket.destroy());
  }

  private accept(client: net.Socket): void {
    this.connections += 1;
    this.track(client);
    if (this.mode === "refuse") {
      client.destroy();
      return;
    }
    if (this.mode === "blackhole") {
      client.resume();
      return;
    }
    const upstream = net.connect(this.targetPort, this.targetHost);
    this.track(upstream);
    const pipe = (from: net.Socket, to: net.Socket) => {
      from.on("data", (chunk) => {
        if (this.delayMs === 0) to.write(chunk);
        else setTimeout(() => to.writable && to.write(chunk), this.delayMs);
      });
      from.on("close", () => setTimeout(() => to.destroy(), this.delayMs));
    };
    pipe(client, upstream);
    pipe(upstream, client);
  }
}

const DEFAULT_PORTS: Record<string, number> = { "postgres:": 5432, "postgresql:": 5432, "redis:": 6379 };

/** A proxy in front of the server a connection URL names, wherever the tests were pointed at it. */
export function proxyTo(serverUrl: string): TcpProxy {
  const url = new URL(serverUrl);
  const port = Number(url.port) || DEFAULT_PORTS[url.protocol];
  if (!port) throw new Error(`no port in "${url.host}" and none known for the scheme "${url.protocol}"`);
  return new TcpProxy(url.hostname, port);
}
