import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isKubernetesResource, unwrap } from "../../infra/render/manifests.js";
import { render, STACKS } from "../infra/support/render.js";
import { type AnalyzedResource, type RunningPolicyPack, startPolicyPack } from "./support/analyzer.js";

// The pack in policy/, started by Pulumi's own policy runner and asked over gRPC, as `pulumi preview
// --policy-pack policy` does; the mocked program supplies the resources the engine would send.
let pack: RunningPolicyPack;
beforeAll(async () => {
  pack = await startPolicyPack();
}, 60_000);
afterAll(async () => {
  await pack?.stop();
});

async function stackResources(stack: string): Promise<AnalyzedResource[]> {
  const { resources } = await render(stack);
  return resources.filter(isKubernetesResource).map((resource) => ({
    type: resource.type,
    name: resource.name,
    props: unwrap(resource.inputs) as Record<string, unknown>,
  }));
}

describe("the policy pack under Pulumi's policy runner", () => {
  it.each(STACKS)("finds no violation in the %s stack", async (stack) => {
    const resources = await stackResources(stack);
    expect(resources.length).toBeGreaterThan(20);
    expect(await pack.analyze(resources)).toEqual([]);
  });

  it("reports violations as mandatory, against the offending resource", async () => {
    const resources = await stackResources("staging");
    const deployment = resources.find(
      (r) => r.type === "kubernetes:apps/v1:Deployment" && r.name === "backend-deployment",
    );
    const props = structuredClone(deployment?.props) as any;
    props.spec.template.spec.containers[0].image = "ghcr.io/example/leadms/backend:latest";
    props.spec.template.spec.hostNetwork = true;
    props.metadata.name = "broken";
    const broken = { type: "kubernetes:apps/v1:Deployment", name: "broken", props };
    const ingress = resources.find((r) => r.name === "public-ingress") as AnalyzedResource;
    const exposing = structuredClone(ingress.props) as any;
    exposing.spec.rules[0].http.paths[1].backend.service.name = "backend";
    const diagnostics = await pack.analyze([
      ...resources.filter((r) => r !== ingress),
      broken,
      { ...ingress, props: exposing },
    ]);
    expect(diagnostics.map((d) => d.policyName).sort()).toEqual([
      "latest-tag",
      "metrics-not-exposed",
      "pss-host-namespaces",
    ]);
    for (const diagnostic of diagnostics) expect(diagnostic.enforcementLevel).toBe(1);
    const urns = Object.fromEntries(diagnostics.map((d) => [d.policyName, d.urn]));
    expect(urns["latest-tag"]).toBe("urn:pulumi:test::leadms::kubernetes:apps/v1:Deployment::broken");
    expect(urns["metrics-not-exposed"]).toBe(`urn:pulumi:test::leadms::${ingress.type}::${ingress.name}`);
    expect(diagnostics.find((d) => d.policyName === "pss-host-namespaces")?.message).toContain(
      "hostNetwork is true",
    );
  });
});
