import { parser } from "@prometheus-io/lezer-promql";

/** The metric names an expression selects, from the PromQL parser of the Prometheus project. */
export function metricNames(expr: string): string[] {
  const names = new Set<string>();
  const tree = parser.parse(expr);
  tree.iterate({
    enter: (node) => {
      if (node.type.isError) throw new Error(`cannot parse "${expr}" at ${node.from}`);
      if (node.name === "VectorSelector") {
        const identifier = node.node.getChild("Identifier");
        if (identifier) names.add(expr.slice(identifier.from, identifier.to));
      }
    },
  });
  return [...names].sort();
}
