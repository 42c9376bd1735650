// npm run render -- --stack <name> [--out DIR]: the objects a stack would apply, without a cluster.
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { StackConfigError } from "../config.js";
import { renderStack } from "./render-stack.js";
import { readStackConfig } from "./stack-file.js";
import { formatSummary, summarize } from "./summary.js";
import { writeManifests } from "./write-manifests.js";

const USAGE = "usage: npm run render -- --stack <name> [--out DIR]";
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { stack: { type: "string" }, out: { type: "string" } },
    strict: true,
  });
  const stack = values.stack;
  if (!stack || !/^[a-z0-9-]+$/.test(stack)) {
    console.error(
      `${USAGE}\n--stack must be a stack name such as staging, got ${JSON.stringify(stack ?? "")}`,
    );
    return 2;
  }
  const out = path.resolve(values.out ?? path.join(ROOT, "rendered", stack));
  const config = readStackConfig(path.join(ROOT, "Pulumi.yaml"), path.join(ROOT, `Pulumi.${stack}.yaml`));
  const rendered = await renderStack(stack, config);
  const files = writeManifests(out, rendered.objects);
  console.log(formatSummary(stack, summarize(rendered.objects, rendered.resources)));
  console.log(`wrote ${files.length} files to ${path.relative(process.cwd(), out) || "."}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code ?? "";
    if (error instanceof StackConfigError) console.error(error.message);
    else if (code.startsWith("ERR_PARSE_ARGS")) console.error(`${(error as Error).message}\n${USAGE}`);
    else if (code === "ENOENT") console.error(`no such stack file: ${(error as NodeJS.ErrnoException).path}`);
    else console.error(error);
    process.exit(1);
  },
);
