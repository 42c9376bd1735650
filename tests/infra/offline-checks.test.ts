import { describe, expect, it } from "vitest";
import { checkFields, inputTypeName } from "../../infra/checks/field-check.js";
import { checkSchemas } from "../../infra/checks/schema-check.js";
import type { KubernetesObject } from "../../infra/render/manifests.js";
import { evaluate } from "../../policy/evaluate.js";
import { find, render, STACKS } from "./support/render.js";

const rendered = Object.fromEntries(
  await Promise.all(STACKS.map(async (stack) => [stack, await render(stack)] as const)),
);

describe.each(STACKS)("the rendered %s stack", (stack) => {
  const { objects } = rendered[stack] as Awaited<ReturnType<typeof render>>;

  it("validates against the Kubernetes 1.33 schemas, with RFC 1123 names", () => {
    expect(checkSchemas(objects)).toEqual([]);
  });

  it("has no field unknown to the Kubernetes API", () => {
    expect(checkFields(objects)).toEqual([]);
  });

  it("has zero policy violations", () => {
    expect(evaluate(objects)).toEqual([]);
  });
});

describe("the offline checks", () => {
  const deployment = () =>
    structuredClone(find(rendered.staging?.objects ?? [], "Deployment", "backend")) as any;

  it("report schema errors: a missing selector, a bad quantity, an unknown kind", () => {
    const broken = deployment();
    delete broken.spec.selector;
    broken.spec.template.spec.containers[0].resources.limits.memory = "a lot";
    const problems = checkSchemas([
      broken,
      { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" } },
    ]);
    const messages = problems.map((p) => `${p.object}: ${p.message}`);
    expect(messages).toContain(
      "Deployment leadms-staging/backend: /spec must have required property selector",
    );
    expect(messages.some((m) => m.includes("/resources/limits/memory"))).toBe(true);
    expect(messages).toContain("Widget w: example.com/v1 Widget is not a Kubernetes 1.33 kind");
  });

  it("report names and label values that are not RFC 1123", () => {
    const broken = deployment();
    broken.metadata.name = "Backend_API";
    broken.metadata.labels["app.kubernetes.io/instance"] = "-bad-";
    const service: KubernetesObject = {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web.api", namespace: "ns" },
      spec: {},
    };
    const messages = checkSchemas([broken, service]).map((p) => p.message);
    expect(messages).toContain('metadata.name "Backend_API" is not an RFC 1123 subdomain');
    expect(messages).toContain('label app.kubernetes.io/instance="-bad-" is not a valid label value');
    expect(messages).toContain('metadata.name "web.api" is not an RFC 1123 label');
  });

  it("report unknown fields at any depth, and values of the wrong type", () => {
    const hpa: KubernetesObject = {
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: { name: "backend", namespace: "leadms-staging" },
      spec: {
        scaleTargetRef: { kind: "Deployment", name: "backend" },
        maxReplicas: 3,
        targetCPUUtilizationPercentage: 50,
      },
    };
    const typo = deployment();
    typo.spec.template.spec.containers[0].securityContext.runAsUsr = 1000;
    const wrongType = deployment();
    wrongType.spec.replicas = "2";
    const problems = checkFields([hpa, typo, wrongType]);
    expect(problems).toHaveLength(3);
    expect(problems[0]?.object).toBe("HorizontalPodAutoscaler leadms-staging/backend");
    expect(problems[0]?.message).toContain("'\"targetCPUUtilizationPercentage\"' does not exist");
    expect(problems[1]?.message).toContain("'\"runAsUsr\"' does not exist");
    expect(problems[2]?.message).toContain("Type 'string' is not assignable");
  });

  it("map API versions to the SDK's input types", () => {
    expect(inputTypeName("v1", "Service")).toBe("inputs.core.v1.Service");
    expect(inputTypeName("networking.k8s.io/v1", "Ingress")).toBe("inputs.networking.v1.Ingress");
    expect(inputTypeName("rbac.authorization.k8s.io/v1", "Role")).toBe("inputs.rbac.v1.Role");
  });
});
