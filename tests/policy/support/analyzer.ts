import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import * as grpc from "@grpc/grpc-js";
import { Struct } from "google-protobuf/google/protobuf/struct_pb.js";

// The analyzer's generated gRPC stubs ship with @pulumi/pulumi as CommonJS.
const require = createRequire(import.meta.url);
const analyzerGrpc = require("@pulumi/pulumi/proto/analyzer_grpc_pb.js");
const analyzerPb = require("@pulumi/pulumi/proto/analyzer_pb.js");

const ROOT = new URL("../../../", import.meta.url).pathname;

/** A resource as the engine hands it to the analyzer: its Pulumi type, name and input properties. */
export interface AnalyzedResource {
  readonly type: string;
  readonly name: string;
  readonly props: Record<string, unknown>;
}

export interface Diagnostic {
  readonly policyName: string;
  readonly message: string;
  readonly urn: string;
  /** 0 advisory, 1 mandatory, as in the analyzer protocol. */
  readonly enforcementLevel: number;
}

export interface RunningPolicyPack {
  /** Every diagnostic the pack reports for the resources, per resource and for the stack. */
  analyze(resources: readonly AnalyzedResource[]): Promise<Diagnostic[]>;
  stop(): Promise<void>;
}

const urnOf = (resource: AnalyzedResource) => `urn:pulumi:test::leadms::${resource.type}::${resource.name}`;

/**
 * Starts the policy pack in `policy/` the way the Pulumi CLI does, with the SDK's own policy runner, and
 * talks to it over gRPC as the engine would. The engine address it is given points nowhere: the pack
 * only calls the engine to log, which these tests do not need.
 */
export async function startPolicyPack(): Promise<RunningPolicyPack> {
  const child: ChildProcess = spawn(
    process.execPath,
    [`${ROOT}node_modules/@pulumi/pulumi/cmd/run-policy-pack/index.js`, "127.0.0.1:1", "."],
    { cwd: `${ROOT}policy`, stdio: ["ignore", "pipe", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the policy pack did not start within 30 s: ${stderr}`)),
      30_000,
    );
    child.stdout?.once("data", (chunk: Buffer) => {
      clearTimeout(timer);
      resolve(Number(chunk.toString().trim()));
    });
    child.once("exit", (code) => reject(new Error(`the policy pack exited with ${code}: ${stderr}`)));
  });
  const client = new analyzerGrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());

  const toDiagnostics = (response: any): Diagnostic[] =>
    response.getDiagnosticsList().map((d: any) => ({
      policyName: d.getPolicyname(),
      message: d.getMessage(),
      urn: d.getUrn(),
      enforcementLevel: d.getEnforcementlevel(),
    }));
  const call = (method: "analyze" | "analyzeStack", request: unknown) =>
    new Promise<Diagnostic[]>((resolve, reject) => {
      client[method](request, (error: Error | null, response: unknown) =>
        error ? reject(error) : resolve(toDiagnostics(response)),
      );
    });
  const fill = <T extends { setType(v: string): void; setName(v: string): void; setUrn(v: string): void }>(
    message: T & { setProperties(v: Struct): void; setOptions(v: unknown): void },
    resource: AnalyzedResource,
  ): T => {
    message.setType(resource.type);
    message.setName(resource.name);
    message.setUrn(urnOf(resource));
    message.setProperties(Struct.fromJavaScript(resource.props as never));
    // The engine always sends options (an empty set here); the pack refuses requests without them.
    message.setOptions(new analyzerPb.AnalyzerResourceOptions());
    return message;
  };

  return {
    // As the engine does: each resource on its own as it is registered, then the whole stack.
    analyze: async (resources) => {
      // A resource's diagnostics name no URN: the engine knows which resource it asked about.
      const perResource = await Promise.all(
        resources.map(async (resource) =>
          (await call("analyze", fill(new analyzerPb.AnalyzeRequest(), resource))).map((d) => ({
            ...d,
            urn: d.urn || urnOf(resource),
          })),
        ),
      );
      const request = new analyzerPb.AnalyzeStackRequest();
      request.setResourcesList(
        resources.map((resource) => fill(new analyzerPb.AnalyzerResource(), resource)),
      );
      return [...perResource.flat(), ...(await call("analyzeStack", request))];
    },
    stop: async () => {
      client.close();
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}
