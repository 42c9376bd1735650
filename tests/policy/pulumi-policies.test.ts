import type { ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import { describe, expect, it, vi } from "vitest";
import { toPolicies, toResourcePolicy, toStackPolicy } from "../../policy/pulumi-policies.js";
import { objectRules, stackRules } from "../../policy/rules/index.js";

const rule = (name: string) => {
  const found = [...objectRules, ...stackRules].find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no rule ${name}`);
  return found;
};

const latestImageDeployment = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "api", namespace: "test" },
  spec: { template: { spec: { containers: [{ name: "api", image: "nginx:latest" }] } } },
};

/** The arguments the policy analyzer passes, made by hand: the pack itself is never started in tests. */
function resourceArgs(type: string, props: Record<string, unknown>): ResourceValidationArgs {
  return {
    type,
    props,
    urn: `urn:pulumi:test::leadms::${type}::api`,
    name: "api",
    opts: {},
    isType: () => false,
    asType: () => undefined,
    getConfig: () => ({}),
    notApplicable: () => {
      throw new Error("not applicable");
    },
  } as unknown as ResourceValidationArgs;
}

describe("the Pulumi policies built from the rules", () => {
  it("are one mandatory policy per rule", () => {
    const policies = toPolicies(objectRules, stackRules);
    expect(policies.map((p) => p.name)).toEqual([...objectRules, ...stackRules].map((r) => r.name));
    expect(policies.every((p) => p.enforcementLevel === "mandatory")).toBe(true);
  });

  it("report a resource's violations through reportViolation", async () => {
    const policy = toResourcePolicy(rule("latest-tag") as (typeof objectRules)[number]);
    const report = vi.fn();
    const validate = policy.validateResource as (
      args: ResourceValidationArgs,
      report: (m: string) => void,
    ) => void;
    await validate(resourceArgs("kubernetes:apps/v1:Deployment", latestImageDeployment), report);
    expect(report).toHaveBeenCalledWith(
      'container "api" runs image "nginx:latest" without a digest or a tag other than latest',
    );
  });

  it("leave non-Kubernetes resources and other kinds alone", async () => {
    const report = vi.fn();
    const latest = toResourcePolicy(rule("latest-tag") as (typeof objectRules)[number])
      .validateResource as any;
    await latest(resourceArgs("docker:index/image:Image", { imageName: "x:latest" }), report);
    await latest(resourceArgs("kubernetes:core/v1:ConfigMap", { kind: "ConfigMap", data: {} }), report);
    expect(report).not.toHaveBeenCalled();
  });

  it("report a stack violation against the offending resource's URN", async () => {
    const policy = toStackPolicy(rule("dangling-service") as (typeof stackRules)[number]);
    const report = vi.fn();
    const service = {
      type: "kubernetes:core/v1:Service",
      urn: "urn:pulumi:test::leadms::kubernetes:core/v1:Service::api",
      props: {
        kind: "Service",
        metadata: { name: "api", namespace: "test" },
        spec: { selector: { app: "api" } },
      },
    };
    const component = { type: "leadms:app:WebService", urn: "urn:component", props: {} };
    await policy.validateStack({ resources: [component, service] } as unknown as StackValidationArgs, report);
    expect(report).toHaveBeenCalledWith("Service test/api selects no pods of any workload", service.urn);
  });
});
