// Golden files: text a test renders, compared with a file committed under test/golden/, as azd keeps
// its testdata/*.snap and Aspire's publisher tests their *.verified.yaml. With ASPIRE_UPDATE_GOLDEN=1
// the files are written instead of compared (node's own t.assert.snapshot needs Node 22.3; we run 20).
// A golden file must read the same on every machine: the repository's absolute path and temp
// folders are masked (maskMachinePaths), and a text that still holds the repository's path is refused.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { TestContext } from "node:test";
import { repoRoot } from "./paths";

export const goldenRoot = path.join(repoRoot, "test/golden");

/** Write the golden files instead of comparing with them. */
export const UPDATE_GOLDEN = process.env.ASPIRE_UPDATE_GOLDEN === "1";

/** What a failure tells the reader to run when the change is intended. */
export const UPDATE_COMMAND =
  "npx tsc -p tsconfig.json && ASPIRE_UPDATE_GOLDEN=1 node --test dist/test/golden/";

/** The repository's path as `<repo>`, and each temp folder given as `<tmp>`, longest first. */
export function maskMachinePaths(text: string, tempDirs: readonly string[] = []): string {
  const masks: [string, string][] = [
    [repoRoot, "<repo>"],
    ...tempDirs.map((d): [string, string] => [d, "<tmp>"]),
  ];
  masks.sort((a, b) => b[0].length - a[0].length);
  return masks.reduce((t, [from, to]) => t.split(from).join(to), text);
}

/** Compares `text` with test/golden/<relativePath>, or writes it there with ASPIRE_UPDATE_GOLDEN=1. */
export function matchesGolden(t: TestContext, relativePath: string, text: string): void {
  const file = goldenFile(relativePath);
  const shown = path.posix.join("test/golden", relativePath);
  if (repoRoot.length > 1 && text.includes(repoRoot))
    assert.fail(
      `${shown}: the text holds the repository's path ${repoRoot}, which differs on every machine: mask it with maskMachinePaths.`,
    );
  const committed = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
  if (committed === text) return;
  if (UPDATE_GOLDEN) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    t.diagnostic(`${committed === undefined ? "wrote" : "updated"} ${shown}`);
    return;
  }
  if (committed === undefined)
    assert.fail(`${shown} does not exist. Write it, read it, and commit it:\n  ${UPDATE_COMMAND}`);
  assert.fail(
    `${shown} differs from what the test rendered:\n${unifiedDiff(committed, text, `${shown} (committed)`, "rendered now")}\nIf the change is intended, update the golden files and commit them with it:\n  ${UPDATE_COMMAND}`,
  );
}

/** One golden folder: each file compared (a subtest each, so every difference is reported), and no
 *  committed file left that the test no longer renders (the update removes those). */
export async function matchesGoldenFolder(
  t: TestContext,
  relativeDir: string,
  files: ReadonlyMap<string, string>,
): Promise<void> {
  for (const [name, text] of files)
    await t.test(name, (st) => matchesGolden(st, path.posix.join(relativeDir, name), text));
  const dir = goldenFile(relativeDir);
  const stale = (fs.existsSync(dir) ? filesBelow(dir) : []).filter((f) => !files.has(f));
  if (stale.length === 0) return;
  if (UPDATE_GOLDEN) {
    for (const f of stale) fs.rmSync(path.join(dir, f));
    t.diagnostic(
      `removed ${stale.map((f) => path.posix.join("test/golden", relativeDir, f)).join(", ")}`,
    );
    return;
  }
  assert.fail(
    `test/golden/${relativeDir} has files the test no longer renders: ${stale.join(", ")}. Remove them with:\n  ${UPDATE_COMMAND}`,
  );
}

function goldenFile(relativePath: string): string {
  const file = path.resolve(goldenRoot, relativePath);
  if (!file.startsWith(goldenRoot + path.sep))
    throw new Error(`golden file ${relativePath} is outside test/golden`);
  return file;
}

/** Files below a folder, relative to it with `/`, sorted. */
function filesBelow(dir: string, prefix = ""): string[] {
  return fs
    .readdirSync(path.join(dir, prefix), { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory()
        ? filesBelow(dir, path.posix.join(prefix, e.name))
        : e.isFile()
          ? [path.posix.join(prefix, e.name)]
          : [],
    )
    .sort();
}

/**
 * A unified diff of two texts, line by line, with `context` lines around each change, cut after
 * `most` lines: enough to see the first differences in a test's output. The lines between the
 * common head and tail are matched by a longest common subsequence (a plain block of - then +
 * when they are too many to match).
 */
export function unifiedDiff(
  before: string,
  after: string,
  beforeLabel: string,
  afterLabel: string,
  context = 3,
  most = 60,
): string {
  const a = before.split("\n");
  const b = after.split("\n");
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (
    tail < a.length - head &&
    tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  )
    tail++;
  type Op = {
    readonly kind: " " | "-" | "+";
    readonly text: string;
    readonly aLine: number;
    readonly bLine: number;
  };
  const ops: Op[] = [];
  for (let i = 0; i < head; i++) ops.push({ kind: " ", text: a[i], aLine: i, bLine: i });
  const middle = lineDiff(a.slice(head, a.length - tail), b.slice(head, b.length - tail));
  let [i, j] = [head, head];
  for (const m of middle) {
    ops.push({ kind: m, text: m === "+" ? b[j] : a[i], aLine: i, bLine: j });
    if (m !== "+") i++;
    if (m !== "-") j++;
  }
  for (let k = 0; k < tail; k++)
    ops.push({ kind: " ", text: a[i + k], aLine: i + k, bLine: j + k });

  // Hunks: each change with its context, neighbouring ones merged.
  const lines = [`--- ${beforeLabel}`, `+++ ${afterLabel}`];
  const changed = ops.map((o, n) => (o.kind === " " ? -1 : n)).filter((n) => n >= 0);
  let n = 0;
  while (n < changed.length) {
    const start = Math.max(0, changed[n] - context);
    let end = changed[n];
    while (n + 1 < changed.length && changed[n + 1] - end <= 2 * context + 1) end = changed[++n];
    end = Math.min(ops.length - 1, end + context);
    n++;
    const hunk = ops.slice(start, end + 1);
    const aCount = hunk.filter((o) => o.kind !== "+").length;
    const bCount = hunk.filter((o) => o.kind !== "-").length;
    lines.push(
      `@@ -${ops[start].aLine + (aCount ? 1 : 0)},${aCount} +${ops[start].bLine + (bCount ? 1 : 0)},${bCount} @@`,
      ...hunk.map((o) => `${o.kind}${o.text}`),
    );
  }
  if (lines.length > most + 2)
    return [
      ...lines.slice(0, most + 2),
      `... (${lines.length - most - 2} more lines of diff)`,
    ].join("\n");
  return lines.join("\n");
}

/** The edit script from `a` to `b`: " " kept, "-" removed, "+" added, by longest common subsequence. */
function lineDiff(a: readonly string[], b: readonly string[]): (" " | "-" | "+")[] {
  // A table of 4 million cells at most (16 MB); larger differences read as a block.
  if (a.length * b.length > 4_000_000)
    return [...a.map(() => "-" as const), ...b.map(() => "+" as const)];
  const width = b.length + 1;
  const lcs = new Uint32Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--)
      lcs[i * width + j] =
        a[i] === b[j]
          ? lcs[(i + 1) * width + j + 1] + 1
          : Math.max(lcs[(i + 1) * width + j], lcs[i * width + j + 1]);
  const ops: (" " | "-" | "+")[] = [];
  let [i, j] = [0, 0];
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      ops.push(" ");
      i++;
      j++;
    } else if (
      i < a.length &&
      (j === b.length || lcs[(i + 1) * width + j] >= lcs[i * width + j + 1])
    ) {
      ops.push("-");
      i++;
    } else {
      ops.push("+");
      j++;
    }
  }
  return ops;
}
