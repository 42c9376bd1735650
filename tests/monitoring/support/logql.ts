import { parser } from "@grafana/lezer-logql";
import type { SyntaxNode } from "@lezer/common";

function hasAncestor(node: SyntaxNode, name: string): boolean {
  for (let parent = node.parent; parent; parent = parent.parent) if (parent.name === name) return true;
  return false;
}

/** The label names a LogQL query's stream selector matches on; throws when the query does not parse. */
export function streamLabels(expr: string): string[] {
  const labels = new Set<string>();
  const tree = parser.parse(expr);
  tree.iterate({
    enter: (node) => {
      if (node.type.isError) throw new Error(`cannot parse "${expr}" at ${node.from}`);
      // Matchers inside the stream selector only; those after a pipe filter parsed fields.
      if (node.name === "Matcher" && hasAncestor(node.node, "Selector")) {
        const identifier = node.node.getChild("Identifier");
        if (identifier) labels.add(expr.slice(identifier.from, identifier.to));
      }
    },
  });
  return [...labels].sort();
}
