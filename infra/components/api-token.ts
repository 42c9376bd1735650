import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { type AppLabels, recommendedLabels } from "../labels.js";

export interface ApiTokenArgs {
  readonly namespace: pulumi.Input<string>;
  readonly labels: AppLabels;
  /** A token from the stack config; without one, a random token is generated and kept in the state. */
  readonly token?: pulumi.Input<string>;
}

/** The bearer token of the leads API, in the Secret `backend-api` under the key `API_TOKEN`. */
export class ApiToken extends pulumi.ComponentResource {
  public readonly secretName: pulumi.Output<string>;
  public static readonly key = "API_TOKEN";

  constructor(name: string, args: ApiTokenArgs, opts?: pulumi.ComponentResourceOptions) {
    super("leadms:app:ApiToken", name, {}, opts);
    const token =
      args.token ??
      new random.RandomPassword(`${name}-value`, { length: 48, special: false }, { parent: this }).result;
    const secret = new k8s.core.v1.Secret(
      `${name}-secret`,
      {
        metadata: { name: "backend-api", namespace: args.namespace, labels: recommendedLabels(args.labels) },
        type: "Opaque",
        stringData: { [ApiToken.key]: pulumi.secret(token) },
      },
      { parent: this },
    );
    this.secretName = secret.metadata.name;
    this.registerOutputs({ secretName: this.secretName });
  }
}
