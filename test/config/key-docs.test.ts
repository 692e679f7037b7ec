// Pulumi.yaml's `config:` block, the README's "Stack configuration" table and the options of
// `aspire-arm plan` say what the table of stack config keys (src/config/keys.ts) says.
// UPDATE_CONFIG_DOCS=1 rewrites the Pulumi.yaml block and the README table from it first.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { parsePlanArgs } from "../../src/cli/plan-command";
import { HELP } from "../../src/cli/usage";
import {
  pulumiConfig,
  pulumiConfigYaml,
  README_COLUMNS,
  readmeRows,
  readmeTable,
} from "../../src/config/key-docs";
import { exampleConfig, exampleValue, STACK_KEYS, type StackKey } from "../../src/config/keys";
import { repoRoot } from "../support/paths";

const PULUMI_YAML = path.join(repoRoot, "Pulumi.yaml");
const README = path.join(repoRoot, "README.md");
const SECTION = "## Stack configuration";

/** The README's lines of the first table in the stack configuration section: [first, end). */
function readmeTableLines(lines: readonly string[]): [number, number] {
  const section = lines.indexOf(SECTION);
  assert.ok(section >= 0, `README.md has no "${SECTION}" section`);
  const first = lines.findIndex((l, i) => i > section && l.startsWith("|"));
  assert.ok(first > section, `README.md's "${SECTION}" section has no table`);
  let end = first;
  while (end < lines.length && lines[end].startsWith("|")) end++;
  return [first, end];
}

if (process.env.UPDATE_CONFIG_DOCS === "1") {
  const project = fs.readFileSync(PULUMI_YAML, "utf8");
  const block = project.search(/^config:/m);
  fs.writeFileSync(
    PULUMI_YAML,
    `${block < 0 ? `${project.trimEnd()}\n` : project.slice(0, block)}${pulumiConfigYaml()}`,
  );
  const lines = fs.readFileSync(README, "utf8").split("\n");
  const [first, end] = readmeTableLines(lines);
  lines.splice(first, end - first, ...readmeTable().split("\n"));
  fs.writeFileSync(README, lines.join("\n"));
}

const FIX =
  "(src/config/keys.ts is the source: UPDATE_CONFIG_DOCS=1 node --test dist/test/config/ rewrites it)";

test("Pulumi.yaml's config block declares the table's keys Pulumi can type, with its types, defaults and descriptions", () => {
  const declared =
    (yaml.load(fs.readFileSync(PULUMI_YAML, "utf8")) as { config?: Record<string, unknown> })
      .config ?? {};
  const expected = pulumiConfig();
  assert.deepEqual(
    Object.keys(declared),
    Object.keys(expected),
    `Pulumi.yaml declares other keys than the table ${FIX}`,
  );
  for (const [name, declaration] of Object.entries(declared))
    assert.deepEqual(
      declaration,
      expected[name],
      `Pulumi.yaml's ${name} differs from the table ${FIX}`,
    );
});

test("Pulumi.yaml: every declared key has a default of its type (Pulumi refuses a stack that leaves a key without one unset); the structured keys are not declared", () => {
  const config = pulumiConfig();
  for (const [name, c] of Object.entries(config)) {
    const ok = c.type === "integer" ? Number.isInteger(c.default) : typeof c.default === c.type;
    assert.ok(ok, `${name}: default ${JSON.stringify(c.default)} is not a ${c.type}`);
  }
  // Pulumi's project config types are string, integer, boolean and array: an object would be refused.
  for (const name of ["vms", "ssh", "network", "images", "healthChecks", "parameters"])
    assert.ok(!(name in config), name);
  assert.deepEqual(
    STACK_KEYS.filter(
      (k) =>
        k.key.startsWith("aspire:") &&
        !k.key.includes(".") &&
        !(k.key.slice("aspire:".length) in config),
    ).map((k) => k.key),
    [
      "aspire:vms",
      "aspire:ssh",
      "aspire:parameters",
      "aspire:images",
      "aspire:healthChecks",
      "aspire:network",
    ],
  );
});

test("the README's stack configuration table lists exactly the table's keys, with its types, defaults, examples and descriptions", () => {
  const lines = fs.readFileSync(README, "utf8").split("\n");
  const [first, end] = readmeTableLines(lines);
  const cells = (line: string) =>
    line
      .replace(/^\|/, "")
      .replace(/\|$/, "")
      .split("|")
      .map((c) => c.trim());
  const [header, , ...rows] = lines.slice(first, end).map(cells);
  assert.deepEqual(header, [...README_COLUMNS]);
  const expected = readmeRows();
  assert.deepEqual(
    rows.map((r) => r[0].replace(/`/g, "")),
    STACK_KEYS.map((k) => k.key),
    `the README's keys differ from the table ${FIX}`,
  );
  assert.deepEqual(
    rows.map((r) => [r[0], r[2]]),
    expected.map((r) => [r[0], r[2]]),
    `the README's defaults differ from the table ${FIX}`,
  );
  assert.deepEqual(rows, expected, `the README's table differs from the table ${FIX}`);
  for (const k of STACK_KEYS.filter((k) => k.see)) {
    const heading = lines.find((l) => /^#+ /.test(l) && l.replace(/^#+ /, "") === k.see!.title);
    assert.ok(heading, `${k.key}: the README has no section "${k.see!.title}"`);
    assert.equal(
      k.see!.anchor,
      k
        .see!.title.toLowerCase()
        .replace(/[^a-z0-9 -]/g, "")
        .replace(/ /g, "-"),
      `${k.key}: the anchor of "${k.see!.title}"`,
    );
  }
});

test("the table: every value a key allows is named in its description; every key has an example on each cloud it is read on", () => {
  for (const k of STACK_KEYS) {
    for (const v of k.values ?? [])
      assert.ok(
        k.description.includes(`\`${v}\``),
        `${k.key}: the description does not name \`${v}\``,
      );
    assert.ok(k.description.endsWith("."), k.key);
    for (const cloud of clouds(k))
      assert.notEqual(exampleValue(k.key, cloud), undefined, `${k.key} on ${cloud}`);
    if (k.default !== undefined && k.defaultText !== undefined)
      assert.fail(`${k.key}: a default and a defaultText`);
  }
  assert.equal(new Set(STACK_KEYS.map((k) => k.key)).size, STACK_KEYS.length, "a key twice");
});

test("aspire-arm plan: each option the table names sets its key to the key's example; every other option is not a config key", () => {
  const options = new Set<string>();
  for (const k of STACK_KEYS.filter((k) => k.flag !== undefined)) {
    const example = exampleValue(k.key, "aws");
    const name = k.key.split(".").find((s) => s.startsWith("<")) ? k.sampleName : undefined;
    const value = Array.isArray(example) ? example.join(",") : String(example);
    const argv =
      k.flag === "MANIFEST"
        ? [value]
        : example === true
          ? [k.flag!]
          : [k.flag!, name === undefined ? value : `${name}=${value}`];
    assert.deepEqual(
      parsePlanArgs(argv).flags,
      exampleConfig(k.key, "aws"),
      `${argv.join(" ")} sets ${k.key}`,
    );
    if (k.flag !== "MANIFEST") {
      assert.match(HELP, new RegExp(`^  ${k.flag} `, "m"), `aspire-arm help names ${k.flag}`);
      options.add(k.flag!);
    }
  }
  const helpOptions = [...HELP.matchAll(/^  (--[a-z-]+)/gm)].map((m) => m[1]);
  assert.deepEqual(
    helpOptions.filter((o) => !options.has(o)),
    [
      "--stack",
      "--out",
      "--markdown",
      "--json",
      "--against",
      "--secret-file",
      "--release-file",
      "--no-resources",
    ],
  );
});

function clouds(k: StackKey): ("aws" | "gcp")[] {
  return k.cloud ? [k.cloud] : ["aws", "gcp"];
}
