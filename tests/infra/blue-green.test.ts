import { describe, expect, it } from "vitest";
import { checkSchemas } from "../../infra/checks/schema-check.js";
import { loadStackConfig, StackConfigError } from "../../infra/config.js";
import type { KubernetesObject } from "../../infra/render/manifests.js";
import { renderProgram } from "../../infra/render/render-stack.js";
import { declareStack, type StackOutputs } from "../../infra/stack.js";
import { evaluate } from "../../policy/evaluate.js";
import { find, render, stackValues } from "./support/render.js";

const image = (hex: string) => `ghcr.io/acme/leadms/backend@sha256:${hex.repeat(64)}`;
const blueGreen = (active: "blue" | "green", green: string | null = null) => ({
  backend: { deployment: { strategy: "blue-green", active, images: { blue: image("b"), green } } },
});
const NS = "leadms-staging";
const app = (objects: readonly KubernetesObject[]) => objects.filter((o) => o.metadata.namespace === NS);

describe("the backend's rollout strategies", () => {
  it("roll out one Deployment in place by default", async () => {
    const { objects } = await render("staging");
    const deployments = app(objects).filter(
      (o) => o.kind === "Deployment" && String(o.metadata.name).startsWith("backend"),
    );
    expect(deployments.map((d) => d.metadata.name)).toEqual(["backend"]);
    expect(
      (find(objects, "Deployment", "backend", NS) as any).spec.strategy.rollingUpdate.maxUnavailable,
    ).toBe(0);
    expect(find(objects, "Service", "backend", NS).spec.selector["leadms.io/color"]).toBeUndefined();
  });

  it("run two colours side by side with blue-green, traffic on the active one only", async () => {
    const { objects } = await render("staging", blueGreen("blue"));
    const blue = find(objects, "Deployment", "backend-blue", NS);
    const green = find(objects, "Deployment", "backend-green", NS);
    expect(blue.spec.template.spec.containers[0].image).toBe(image("b"));
    // A colour without its own image yet runs the release image.
    expect(green.spec.template.spec.containers[0].image).toMatch(
      /^ghcr\.io\/example\/leadms\/backend@sha256:/,
    );
    expect(blue.spec.selector.matchLabels["leadms.io/color"]).toBe("blue");
    expect(green.spec.template.metadata.labels["leadms.io/color"]).toBe("green");
    expect(find(objects, "Service", "backend", NS).spec.selector).toEqual({
      "app.kubernetes.io/name": "backend",
      "app.kubernetes.io/instance": "staging",
      "leadms.io/color": "blue",
    });
    // Each colour can be smoke-tested through a Service of its own before traffic moves.
    expect(find(objects, "Service", "backend-green", NS).spec.selector["leadms.io/color"]).toBe("green");
    expect(objects.some((o) => o.kind === "Deployment" && o.metadata.name === "backend")).toBe(false);
  });

  it("switch colours by changing the main Service's selector and nothing else", async () => {
    const green = image("9");
    const before = (await render("staging", blueGreen("blue", green))).objects;
    const after = (await render("staging", blueGreen("green", green))).objects;
    const changed = after.filter((object, i) => JSON.stringify(object) !== JSON.stringify(before[i]));
    expect(changed.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(["Service/backend"]);
    expect(find(after, "Service", "backend", NS).spec.selector["leadms.io/color"]).toBe("green");
  });

  it("keep autoscalers and disruption budgets per colour, and pass every check", async () => {
    const { objects } = await render("production", blueGreen("green"));
    const ns = "leadms-production";
    for (const color of ["blue", "green"]) {
      expect(find(objects, "HorizontalPodAutoscaler", `backend-${color}`, ns).spec.scaleTargetRef.name).toBe(
        `backend-${color}`,
      );
      expect(
        find(objects, "PodDisruptionBudget", `backend-${color}`, ns).spec.selector.matchLabels[
          "leadms.io/color"
        ],
      ).toBe(color);
    }
    expect(checkSchemas(objects)).toEqual([]);
    expect(evaluate(objects)).toEqual([]);
  });

  it("point the operator's commands at the Deployment that takes traffic", async () => {
    const commandsOf = async (overrides: Record<string, unknown>) => {
      let outputs: StackOutputs | undefined;
      await renderProgram("staging", stackValues("staging", overrides), () => {
        outputs = declareStack(loadStackConfig("staging"));
      });
      return outputs?.commands ?? {};
    };
    const rolling = await commandsOf({});
    const green = await commandsOf(blueGreen("green", image("c")));
    for (const command of ["rolloutStatus", "backendLogs", "healthReport"]) {
      expect(rolling[command]).toContain(" deployment/backend ");
      expect(green[command]).toContain(" deployment/backend-green ");
    }
  });

  it("refuses a colour image that is not pinned by digest", async () => {
    let error: unknown;
    await renderProgram("staging", stackValues("staging", blueGreen("blue", "backend:latest")), () => {
      try {
        loadStackConfig("staging");
      } catch (caught) {
        error = caught;
      }
    });
    expect(error).toBeInstanceOf(StackConfigError);
    expect((error as Error).message).toContain(
      'leadms:backend.deployment.images.green must be an image reference pinned by @sha256 digest, got "backend:latest"',
    );
  });
});
