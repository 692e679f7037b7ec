// The golden-file helper (test/support/golden.ts): its diff, its masks, and its refusal of a text
// that differs from machine to machine. The golden files themselves are checked in test/golden/.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as os from "node:os";
import * as path from "node:path";
import { maskMachinePaths, matchesGolden, unifiedDiff } from "../support/golden";
import { repoRoot } from "../support/paths";

test("unifiedDiff shows each changed line with three lines of context, removals before additions", () => {
  const before =
    ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n"].join("\n") + "\n";
  const after =
    ["a", "b", "c", "d", "E", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o"].join("\n") + "\n";
  assert.equal(
    unifiedDiff(before, after, "x (committed)", "rendered now"),
    [
      "--- x (committed)",
      "+++ rendered now",
      "@@ -2,7 +2,7 @@",
      " b",
      " c",
      " d",
      "-e",
      "+E",
      " f",
      " g",
      " h",
      "@@ -12,4 +12,5 @@",
      " l",
      " m",
      " n",
      "+o",
      " ",
    ].join("\n"),
  );
});

test("unifiedDiff merges changes closer than twice the context, and cuts a long diff", () => {
  const lines = Array.from({ length: 200 }, (_, i) => `line ${i}`);
  const changed = lines.map((l, i) => (i % 2 ? l : `${l}!`));
  const diff = unifiedDiff(lines.join("\n"), changed.join("\n"), "a", "b", 3, 20).split("\n");
  assert.equal(diff.length, 23);
  assert.equal(diff[2], "@@ -1,200 +1,200 @@");
  assert.deepEqual(diff.slice(3, 6), ["-line 0", "+line 0!", " line 1"]);
  assert.match(diff[22], /^\.\.\. \(\d+ more lines of diff\)$/);
});

test("unifiedDiff of a file that was empty, or is now", () => {
  assert.equal(
    unifiedDiff("", "x\n", "a", "b"),
    ["--- a", "+++ b", "@@ -1,1 +1,2 @@", "+x", " "].join("\n"),
  );
  assert.equal(
    unifiedDiff("x\n", "", "a", "b"),
    ["--- a", "+++ b", "@@ -1,2 +1,1 @@", "-x", " "].join("\n"),
  );
});

test("maskMachinePaths replaces the repository's path and the given temp folders", () => {
  const tmp = path.join(os.tmpdir(), "aspire-arm-golden-x");
  assert.equal(
    maskMachinePaths(`${repoRoot}/manifests/a.csproj ${tmp}/b`, [tmp]),
    "<repo>/manifests/a.csproj <tmp>/b",
  );
});

test("matchesGolden refuses a text that holds the repository's path, before comparing or writing", (t) => {
  assert.throws(
    () => matchesGolden(t, "starter/never-written.txt", `project ${repoRoot}/x.csproj\n`),
    /holds the repository's path .*maskMachinePaths/,
  );
});
