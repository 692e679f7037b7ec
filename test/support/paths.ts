// Where tests find the repository and the shared data, from dist/test/<folder>/.
import * as fs from "node:fs";
import * as path from "node:path";

export const repoRoot = path.resolve(__dirname, "../../..");
export const sharedDir = path.resolve(repoRoot, "../shared");
export const corpusDir = path.join(sharedDir, "manifests/corpus");
export const expectedTsv = path.join(sharedDir, "manifests/EXPECTED.tsv");
export const fixturesDir = path.join(repoRoot, "test/fixtures");
/** The starter app's manifest (Redis cache, API, web front end), the example of every stage. */
export const starterManifest = path.join(repoRoot, "manifests/aspire-starter/aspire-manifest.json");
/** The compiled Pulumi program (index.ts), as the tests run it under Pulumi's mocks. */
export const programFile = path.join(repoRoot, "dist/index.js");

/** Corpus files EXPECTED.tsv says are deployable, or undefined when ../shared is absent. */
export function deployableCorpus(): string[] | undefined {
  if (!fs.existsSync(expectedTsv) || !fs.existsSync(corpusDir)) return undefined;
  return fs
    .readFileSync(expectedTsv, "utf8")
    .split("\n")
    .slice(1)
    .map((l) => l.split("\t"))
    .filter((cols) => cols[1] === "deploy" && fs.existsSync(path.join(corpusDir, cols[0])))
    .map((cols) => path.join(corpusDir, cols[0]));
}

export const SHARED_MISSING = `../shared/manifests/corpus not found at ${corpusDir}: corpus tests skipped (the fixtures in test/fixtures cover each case)`;
