// Free text the GCP component writes into inputs with byte limits.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fitText } from "../../components/gcp/names";

test("fitText keeps free text within a byte limit, marking the cut", () => {
  assert.equal(fitText("aspire-arm dev app", 100), "aspire-arm dev app");
  const long = fitText(`aspire-arm ${"Release.Candidate_".repeat(6)} app`, 100);
  assert.equal(Buffer.byteLength(long), 100);
  assert.ok(long.endsWith("..."));
  assert.ok(Buffer.byteLength(fitText("é".repeat(80), 100)) <= 100);
});
