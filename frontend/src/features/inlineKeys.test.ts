// A lint in the test run: query keys are written only in the features' key factories (`features/<domain>/api.ts`).
// Anywhere else a key is an array literal (`queryKey: ["evidence", id]`, `setQueryData(["submission", id], …)`,
// or a `…_KEY = [` constant), which is how the same resource came to be cached under five spellings.
import { describe, expect, it } from "vitest";

/** Every source of the SPA as text, by its path from `src/` (Vite reads them; the generated client is left out). */
const SOURCES = Object.fromEntries(Object.entries(import.meta.glob<string>(["../**/*.{ts,tsx}", "!../**/*.test.{ts,tsx}", "!../api/generated/**"], {
  query: "?raw", import: "default", eager: true,
})).map(([path, text]) => [path.startsWith("./") ? `features/${path.slice(2)}` : path.replace(/^\.\.\//, ""), text]));

/** An inline key: an array literal given as a query key, to a cache call, or kept in a `…KEY` constant. */
const INLINE_KEY = [
  /queryKey\s*:\s*\[/,
  /(?:QueryData|Queries|Query)\s*\(\s*\[/,
  /\b[A-Za-z_]*(?:KEY|Key)\s*=\s*\[/,
];

/** Where a file writes a query key as an array literal: "path:line: text". */
function inlineKeys(path: string, text: string): string[] {
  return text.split("\n").flatMap((line, i) => (INLINE_KEY.some((rule) => rule.test(line)) ? [`${path}:${i + 1}: ${line.trim()}`] : []));
}

const isFactory = (path: string) => /^features\/[^/]+\/api\.ts$/.test(path);

describe("query keys", () => {
  it("are written only in the features' key factories", () => {
    expect(Object.keys(SOURCES)).toContain("features/scoring/scoring.tsx");
    expect(Object.keys(SOURCES)).toContain("app/routes.tsx");
    const found = Object.entries(SOURCES).flatMap(([path, text]) => (isFactory(path) ? [] : inlineKeys(path, text)));
    expect(found).toEqual([]);
  });

  it("the rule sees the inline keys it forbids and lets factory calls through", () => {
    const bad = [
      'const q = useQuery({ queryKey: ["evidence", id], queryFn });',
      'queryClient.setQueryData(["submission", id], data);',
      'void queryClient.invalidateQueries({ queryKey: ["campaigns"] });',
      'const FEEDS_KEY = ["notifications", "calendar-feeds"] as const;',
      'queryKey: [...FEED_KEY, "list"],',
    ];
    expect(bad.flatMap((line) => inlineKeys("x.ts", line))).toHaveLength(bad.length);
    const good = [
      "const q = useQuery({ queryKey: evidenceKeys.catalogue(id), queryFn });",
      "queryClient.setQueryData(submissionKeys.detail(id), data);",
      "void queryClient.invalidateQueries({ queryKey: campaignKeys.lists() });",
      "const [rows, setRows] = useState<Row[]>([]);",
    ];
    expect(good.flatMap((line) => inlineKeys("x.ts", line))).toEqual([]);
  });
});
