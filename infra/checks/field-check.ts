import * as path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import type { KubernetesObject } from "../render/manifests.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** A file that exists only in memory; placed in the repository so module resolution finds node_modules. */
const VIRTUAL_FILE = path.join(ROOT, "infra", "checks", "__rendered-objects__.ts");

export interface FieldProblem {
  /** `Kind namespace/name` of the object. */
  readonly object: string;
  readonly message: string;
}

/** The type in @pulumi/kubernetes's input types that describes an apiVersion and kind. */
export function inputTypeName(apiVersion: string, kind: string): string {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["core", apiVersion];
  return `inputs.${(group as string).split(".")[0]}.${version}.${kind}`;
}

export const describeObject = (object: KubernetesObject) =>
  `${object.kind} ${object.metadata.namespace ? `${object.metadata.namespace}/` : ""}${object.metadata.name}`;

/**
 * Finds fields the Kubernetes API does not know (and values of the wrong type) by type-checking each
 * object as a literal of its type in @pulumi/kubernetes, which is generated from the Kubernetes OpenAPI
 * spec. Object literals get TypeScript's excess-property check at every depth, which is exactly the
 * unknown-field check the JSON schemas leave out. TypeScript names the first unknown field of each object
 * literal, so an object with several typos in one place reports them one fix at a time.
 */
export function checkFields(objects: readonly KubernetesObject[]): FieldProblem[] {
  const header = 'import type * as inputs from "@pulumi/kubernetes/types/input.js";';
  const lines = objects.map(
    (object, i) =>
      `export const o${i}: ${inputTypeName(object.apiVersion, object.kind)} = ${JSON.stringify(object)};`,
  );
  const source = [header, ...lines].join("\n");
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2023,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, ...rest) =>
    path.resolve(fileName) === VIRTUAL_FILE
      ? ts.createSourceFile(fileName, source, languageVersion)
      : getSourceFile(fileName, languageVersion, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (fileName) => path.resolve(fileName) === VIRTUAL_FILE || fileExists(fileName);

  const program = ts.createProgram([VIRTUAL_FILE], options, host);
  const file = program.getSourceFile(VIRTUAL_FILE);
  const diagnostics = [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)];
  return diagnostics.map((diagnostic) => {
    const line =
      file && diagnostic.start !== undefined ? file.getLineAndCharacterOfPosition(diagnostic.start).line : 0;
    const object = objects[line - 1];
    return {
      object: object ? describeObject(object) : "(the check itself)",
      message: ts.flattenDiagnosticMessageText(diagnostic.messageText, " "),
    };
  });
}
