import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { StackSettings } from "../config-schema.js";
import { type AppLabels, recommendedLabels } from "../labels.js";

export interface PublicIngressArgs {
  readonly namespace: pulumi.Input<string>;
  readonly labels: AppLabels;
  readonly settings: StackSettings["ingress"];
  /** Service of the status page, served at `/`. */
  readonly frontendService: pulumi.Input<string>;
  /** Service of the backend; only its `/api` paths are routed, never `/metrics` or `/health`. */
  readonly backendService: pulumi.Input<string>;
  /** Largest request body the ingress passes on; the backend rejects larger ones anyway. */
  readonly maxBodySize: string;
}

/** The one way in from outside the cluster: HTTPS on the stack's host, the page at `/`, the API at `/api`. */
export class PublicIngress extends pulumi.ComponentResource {
  public readonly url: pulumi.Output<string>;

  constructor(name: string, args: PublicIngressArgs, opts?: pulumi.ComponentResourceOptions) {
    super("leadms:app:PublicIngress", name, {}, opts);
    const { settings } = args;
    const tls = settings.tls;
    const secretName = tls.mode === "secret" ? tls.secretName : `${args.labels.instance}-leadms-tls`;
    const backend = (service: pulumi.Input<string>) => ({
      service: { name: service, port: { name: "http" } },
    });

    new k8s.networking.v1.Ingress(
      `${name}-ingress`,
      {
        metadata: {
          name: "leadms",
          namespace: args.namespace,
          labels: recommendedLabels(args.labels),
          annotations: {
            "nginx.ingress.kubernetes.io/ssl-redirect": "true",
            "nginx.ingress.kubernetes.io/proxy-body-size": args.maxBodySize,
            ...(tls.mode === "cert-manager" ? { "cert-manager.io/cluster-issuer": tls.clusterIssuer } : {}),
          },
        },
        spec: {
          ingressClassName: settings.className,
          tls: [{ hosts: [settings.host], secretName }],
          rules: [
            {
              host: settings.host,
              http: {
                paths: [
                  { path: "/api", pathType: "Prefix", backend: backend(args.backendService) },
                  { path: "/", pathType: "Prefix", backend: backend(args.frontendService) },
                ],
              },
            },
          ],
        },
      },
      { parent: this },
    );

    this.url = pulumi.output(`https://${settings.host}`);
    this.registerOutputs({ url: this.url });
  }
}
