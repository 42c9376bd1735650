import * as path from "node:path";
import { fileURLToPath } from "node:url";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { StackSettings } from "../config-schema.js";

/** The repository root: the build context of both images (the backend needs the workspace lockfile). */
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export interface ImagesArgs {
  readonly settings: StackSettings["images"];
  /** The registry password, when the settings name a registry user. */
  readonly registryPassword?: pulumi.Input<string>;
}

/** Host part of a repository path: `ghcr.io/acme/leadms` is pushed to `ghcr.io`. */
export function registryServer(repository: string): string {
  return repository.split("/", 1)[0] ?? repository;
}

/**
 * The backend and frontend images, as references pinned by digest. In "build" mode both are built from
 * this repository and pushed, and the pushed digest is what the deployments run, so they roll out only
 * when an image's content changes; in "prebuilt" mode the stack names the references.
 */
export class Images extends pulumi.ComponentResource {
  public readonly backend: pulumi.Output<string>;
  public readonly frontend: pulumi.Output<string>;

  constructor(name: string, args: ImagesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("leadms:app:Images", name, {}, opts);
    const { settings } = args;
    if (settings.mode === "prebuilt") {
      this.backend = pulumi.output(settings.backend);
      this.frontend = pulumi.output(settings.frontend);
    } else {
      const registry = settings.registryUsername
        ? {
            server: registryServer(settings.repository),
            username: settings.registryUsername,
            password: args.registryPassword,
          }
        : undefined;
      const build = (app: "backend" | "frontend") =>
        new docker.Image(
          `${name}-${app}`,
          {
            imageName: `${settings.repository}/${app}:${settings.tag}`,
            build: {
              context: REPO_ROOT,
              dockerfile: path.join(REPO_ROOT, "app", app, "Dockerfile"),
              platform: "linux/amd64",
            },
            registry,
          },
          { parent: this },
        );
      this.backend = build("backend").repoDigest;
      this.frontend = build("frontend").repoDigest;
    }
    this.registerOutputs({ backend: this.backend, frontend: this.frontend });
  }
}
