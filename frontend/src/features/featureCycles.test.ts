// A lint in the test run: feature folders import each other one way (issue 23). `features/<domain>/` may use
// another feature, but two features never reach each other through any chain of imports: a piece both need
// belongs to the feature that owns it, or to a shared folder (`src/components`, `src/lib`).
import { describe, expect, it } from "vitest";

/** Every source of the SPA as text, by its path from `src/` (tests included: they must not tie features either). */
const SOURCES = Object.fromEntries(Object.entries(import.meta.glob<string>(["../**/*.{ts,tsx}", "!../api/generated/**"], {
  query: "?raw", import: "default", eager: true,
})).map(([path, text]) => [path.startsWith("./") ? `features/${path.slice(2)}` : path.replace(/^\.\.\//, ""), text]));

/** Static (`import … from "x"`, `export … from "x"`) and dynamic (`import("x")`) module specifiers of a file. */
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["']([^"']+)["']/gm;

/** The feature a path of `src/` lies in ("features/review/ReviewView.tsx" → "review"), or null. */
function featureOf(path: string): string | null {
  const match = /^features\/([^/]+)\//.exec(path);
  return match ? match[1] : null;
}

/** `specifier` as a path from `src/`, when it is relative; null for packages. */
function resolve(from: string, specifier: string): string | null {
  if (!specifier.startsWith(".")) return null;
  const parts = from.split("/").slice(0, -1);
  for (const part of specifier.split("/")) {
    if (part === "..") parts.pop();
    else if (part !== ".") parts.push(part);
  }
  return parts.join("/");
}

/** Feature → feature edges, each with the files that make it ("a → b": ["features/a/X.tsx", …]). */
function featureEdges(sources: Record<string, string>): Map<string, Map<string, string[]>> {
  const edges = new Map<string, Map<string, string[]>>();
  for (const [path, text] of Object.entries(sources)) {
    const source = featureOf(path);
    if (!source) continue;
    for (const [, specifier] of text.matchAll(SPECIFIER)) {
      const target = featureOf(resolve(path, specifier) ?? "");
      if (!target || target === source) continue;
      const out = edges.get(source) ?? new Map<string, string[]>();
      out.set(target, [...(out.get(target) ?? []), path]);
      edges.set(source, out);
    }
  }
  return edges;
}

/** The groups of more than one feature that reach each other (strongly connected components), each sorted. */
function cycles(edges: Map<string, Map<string, string[]>>): string[][] {
  const nodes = [...new Set([...edges.keys(), ...[...edges.values()].flatMap((out) => [...out.keys()])])].sort();
  const reach = (start: string): Set<string> => {
    const seen = new Set<string>();
    const todo = [start];
    while (todo.length) {
      for (const next of edges.get(todo.pop()!)?.keys() ?? []) {
        if (!seen.has(next)) { seen.add(next); todo.push(next); }
      }
    }
    return seen;
  };
  const reached = new Map(nodes.map((node) => [node, reach(node)]));
  const groups = new Map<string, string[]>();
  for (const node of nodes) {
    const group = nodes.filter((other) => other === node || (reached.get(node)!.has(other) && reached.get(other)!.has(node)));
    if (group.length > 1) groups.set(group.join(","), group);
  }
  return [...groups.values()];
}

/** A cycle as the imports inside it: "review → submissions (features/review/ReviewView.tsx)". */
function describeGroup(group: string[], edges: Map<string, Map<string, string[]>>): string[] {
  return group.flatMap((a) => [...(edges.get(a) ?? new Map<string, string[]>())]
    .filter(([b]) => group.includes(b))
    .map(([b, files]) => `${a} → ${b} (${[...new Set(files)].join(", ")})`));
}

describe("feature folders", () => {
  it("import each other one way", () => {
    expect(Object.keys(SOURCES)).toContain("features/submissions/SubmissionPage.tsx");
    const edges = featureEdges(SOURCES);
    expect(edges.size).toBeGreaterThan(0);
    expect(cycles(edges).map((group) => describeGroup(group, edges))).toEqual([]);
  });

  it("the check sees a cycle through static, re-exported and lazy imports, and passes a one-way graph", () => {
    const looped = featureEdges({
      "features/a/A.tsx": 'import { b } from "../b/B";',
      "features/b/B.tsx": 'export { c } from "../c/C";',
      "features/c/C.tsx": 'const page = () => import("../a/A");\nimport "../../lib/x";',
      "features/d/D.tsx": 'import { a } from "../a/A";\nimport { Button } from "antd";',
    });
    expect(cycles(looped)).toEqual([["a", "b", "c"]]);
    const oneWay = featureEdges({
      "features/a/A.tsx": 'import { b } from "../b/B";\nimport { c } from "../c/C";',
      "features/b/B.tsx": 'import { c } from "../c/C";',
    });
    expect(cycles(oneWay)).toEqual([]);
  });
});
