import { existsSync, readFileSync } from "node:fs";

const ROOT = new URL("../../", import.meta.url);

/** A Dockerfile's instructions, continuation lines joined and comments dropped. */
export interface ParsedDockerfile {
  readonly text: string;
  readonly instructions: readonly string[];
  /** Instructions of one keyword (`FROM`, `USER`...) in order. */
  named(keyword: string): string[];
  /** Instructions of the last stage, from its FROM on. */
  readonly finalStage: readonly string[];
}

/** Parses a Dockerfile given by its path from the repository root; no Docker engine runs here. */
export function parseDockerfile(relativePath: string): ParsedDockerfile {
  const text = readFileSync(new URL(relativePath, ROOT), "utf8");
  const instructions = text
    .replace(/\\\n\s*/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"));
  const named = (keyword: string) => instructions.filter((line) => line.startsWith(`${keyword} `));
  const lastFrom = named("FROM").at(-1) as string;
  return { text, instructions, named, finalStage: instructions.slice(instructions.lastIndexOf(lastFrom)) };
}

/** COPY sources (outside other stages) that are missing or that .dockerignore keeps out of the context. */
export function unavailableCopySources(dockerfile: ParsedDockerfile): string[] {
  const ignored = readFileSync(new URL(".dockerignore", ROOT), "utf8");
  return dockerfile
    .named("COPY")
    .filter((line) => !line.includes("--from="))
    .flatMap((line) => line.split(/\s+/).slice(1, -1))
    .filter((source) => !existsSync(new URL(source, ROOT)) || ignored.includes(source));
}
