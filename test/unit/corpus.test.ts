// The real-manifest corpus in ../shared/manifests: every verdict matches EXPECTED.tsv, every
// resource in must_name is named by an error, and every deployable manifest evaluates fully.
// Skips when ../shared is absent (the repository's own fixtures cover each case on their own).
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  checkManifestFile,
  EvaluationError,
  Evaluator,
  expressionFields,
  manifestPlacement,
  type CheckResult,
  type Manifest,
  type Value,
} from "../../src/manifest";
import { corpusDir, expectedTsv } from "../support/paths";

interface Expectation {
  readonly file: string;
  readonly expect: "deploy" | "reject";
  readonly mustName: readonly string[];
}

function readExpectations(): Expectation[] {
  const [header, ...lines] = fs.readFileSync(expectedTsv, "utf8").split("\n");
  assert.deepEqual(header.split("\t").slice(0, 3), ["file", "expect", "must_name"]);
  return lines
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const [file, expect, mustName = ""] = line.split("\t");
      assert.ok(expect === "deploy" || expect === "reject", `${file}: expect column is ${expect}`);
      return { file, expect, mustName: mustName.split(",").filter((n) => n !== "") };
    });
}

/** The corpus and its results, computed once; undefined when ../shared is absent. */
let cache: { rows: Expectation[]; results: Map<string, CheckResult> } | undefined;
function corpusResults(t: TestContext): typeof cache {
  if (!fs.existsSync(corpusDir) || !fs.existsSync(expectedTsv)) {
    t.skip(`../shared/manifests/corpus not found: ${corpusDir} (or ${expectedTsv})`);
    return undefined;
  }
  if (!cache) {
    const rows = readExpectations();
    cache = {
      rows,
      results: new Map(
        rows.map((row) => [row.file, checkManifestFile(path.join(corpusDir, row.file))]),
      ),
    };
  }
  return cache;
}

test("EXPECTED.tsv lists files that exist in the corpus", (t) => {
  const c = corpusResults(t);
  if (!c) return;
  assert.ok(c.rows.length > 0);
  const missing = c.rows
    .filter((row) => !fs.existsSync(path.join(corpusDir, row.file)))
    .map((row) => row.file);
  assert.deepEqual(missing, []);
});

test("every corpus verdict matches the expect column of EXPECTED.tsv", (t) => {
  const c = corpusResults(t);
  if (!c) return;
  const mismatches: string[] = [];
  for (const row of c.rows) {
    const result = c.results.get(row.file);
    assert.ok(result);
    const got = result.manifest ? "deploy" : "reject";
    if (got !== row.expect)
      mismatches.push(
        `${row.file}: expected ${row.expect}, got ${got} (${result.errors
          .map((e) => `${e.resource}: ${e.message}`)
          .join(" | ")
          .slice(0, 300)})`,
      );
  }
  assert.deepEqual(mismatches, []);
});

test("every resource in must_name is the resource of one of the file's errors", (t) => {
  const c = corpusResults(t);
  if (!c) return;
  const unnamed: string[] = [];
  let named = 0;
  for (const row of c.rows) {
    const resources = new Set(c.results.get(row.file)?.errors.map((e) => e.resource));
    for (const name of row.mustName) {
      if (resources.has(name)) named++;
      else unnamed.push(`${row.file}: no error names ${name}`);
    }
  }
  assert.deepEqual(unnamed, []);
  assert.ok(named > 0, "EXPECTED.tsv names at least one resource");
});

/** What must hold of any evaluated value: text parts are merged (no empty or adjacent ones), every
 *  slot is a parameter of the manifest, the value is secret exactly when a slot is, and a text with
 *  no reference is itself. */
function valueProblems(manifest: Manifest, text: string, value: Value): string[] {
  const problems: string[] = [];
  value.parts.forEach((part, i) => {
    if (typeof part === "string") {
      if (part === "") problems.push(`part ${i} is empty`);
      if (i > 0 && typeof value.parts[i - 1] === "string")
        problems.push(`parts ${i - 1} and ${i} are both text`);
    } else if (manifest.resources.get(part.parameter)?.kind !== "parameter.v0")
      problems.push(`slot ${part.parameter} is not a parameter of the manifest`);
  });
  const slotSecret = value.parts.some((p) => typeof p !== "string" && p.secret);
  if (value.secret !== slotSecret)
    problems.push(`secret is ${value.secret}, but its slots say ${slotSecret}`);
  if (
    !text.includes("{") &&
    JSON.stringify(value.parts) !== JSON.stringify(text === "" ? [] : [text])
  )
    problems.push(`a text without references evaluates to ${JSON.stringify(value.parts)}`);
  return problems;
}

test("every deployable corpus manifest evaluates every expression field with manifestPlacement", (t) => {
  const c = corpusResults(t);
  if (!c) return;
  const failures: string[] = [];
  let evaluated = 0;
  for (const row of c.rows) {
    const manifest: Manifest | undefined = c.results.get(row.file)?.manifest;
    if (!manifest) continue;
    const evaluator: Evaluator = new Evaluator(manifest, manifestPlacement);
    for (const [name, resource] of manifest.resources) {
      for (const { field, text } of expressionFields(resource)) {
        try {
          const value: Value = evaluator.evaluate(name, text, { resource: name, field });
          const where: string = `${row.file}: ${name}.${field}`;
          valueProblems(manifest, text, value).forEach((p) => failures.push(`${where}: ${p}`));
          // The same text evaluates to the same value in a fresh evaluator (no state leaks between fields).
          assert.deepEqual(
            new Evaluator(manifest, manifestPlacement).evaluate(name, text, {
              resource: name,
              field,
            }),
            value,
            where,
          );
          evaluated++;
        } catch (e) {
          if (!(e instanceof EvaluationError)) throw e;
          failures.push(`${row.file}: ${e.message}`);
        }
      }
    }
  }
  assert.deepEqual(failures, []);
  assert.ok(evaluated > 0, "some expression fields were evaluated");
});
