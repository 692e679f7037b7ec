// The aspire-arm command line: main() in-process with captured output, and bin/aspire-arm.js as a
// child process for the real exit codes and the absence of stack traces.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { main } from "../../src/cli/main";
import { HELP } from "../../src/cli/usage";
import { DEPLOY_TIME_CHECK } from "../../src/registry/client";
import { fixturesDir, repoRoot } from "../support/paths";

const fixture = (name: string) => path.join(fixturesDir, name);
const deployable = fixture("starter.json");
const rejected = fixture("rejected-azure-chain.json");
const invalidJson = fixture("invalid-trailing-comma.json");

interface Run {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
}

/** Runs main() in this process with captured output. */
function run(...argv: string[]): Run {
  let out = "";
  let err = "";
  const code = main(
    argv,
    (t) => (out += t),
    (t) => (err += t),
  );
  // check, help and usage errors answer synchronously; only plan is asynchronous.
  assert.equal(typeof code, "number", "main() should answer synchronously here");
  return { code: code as number, out, err };
}

/** Runs `node bin/aspire-arm.js ...` from the repository root. */
function spawn(...argv: string[]): Run {
  const r = spawnSync(process.execPath, ["bin/aspire-arm.js", ...argv], {
    cwd: repoRoot,
    encoding: "utf8",
  });
  assert.equal(r.error, undefined);
  return { code: r.status, out: r.stdout, err: r.stderr };
}

interface JsonDiagnostic {
  resource: string | null;
  field: string | null;
  message: string;
}
interface JsonResult {
  file: string;
  ok: boolean;
  errors: JsonDiagnostic[];
  warnings: JsonDiagnostic[];
}

function parseJsonOutput(out: string): JsonResult[] {
  const doc: unknown = JSON.parse(out);
  assert.ok(Array.isArray(doc), "--json prints an array");
  return doc as JsonResult[];
}

// ---- in-process ----------------------------------------------------------------------------------

test("check on a deployable manifest: exit 0, one 'deployable' line, nothing on stderr", () => {
  const r = run("check", deployable);
  assert.equal(r.code, 0);
  assert.equal(r.out, `${deployable}: deployable (7 resources)\n${DEPLOY_TIME_CHECK}\n`);
  assert.equal(r.err, "");
});

test("check on a rejected manifest: exit 1, every error naming resource and field", () => {
  const r = run("check", rejected);
  assert.equal(r.code, 1);
  const lines = r.out.trimEnd().split("\n");
  assert.equal(lines[0], `${rejected}: rejected (4 errors)`);
  assert.match(lines[1], /^  error: storage \(type\): unsupported type azure\.bicep\.v0: /);
  assert.match(lines[2], /^  error: blobs \(connectionString\): references unsupported storage /);
  assert.match(
    lines[3],
    /^  error: api \(env\.ConnectionStrings__blobs\): references unsupported blobs /,
  );
  assert.match(
    lines[4],
    /^  error: web \(env\.services__api__http__0\): references unsupported api /,
  );
  assert.equal(lines.length, 5);
  assert.equal(r.err, "");
});

test("check with warnings counts them and prints them after the head line", () => {
  const file = fixture("legacy-and-unknown-fields.json");
  const r = run("check", file);
  assert.equal(r.code, 0);
  const lines = r.out.trimEnd().split("\n");
  assert.equal(lines[0], `${file}: deployable (1 resource, 4 warnings)`);
  assert.equal(lines.length, 6);
  // The registry note closes the report, once.
  assert.equal(lines[5], DEPLOY_TIME_CHECK);
  assert.ok(
    lines.slice(1, 5).every((l) => l.startsWith("  warning: ")),
    r.out,
  );
  assert.ok(
    lines.includes(
      "  warning: cache (bindings.tcp.color): unknown field bindings.tcp.color is ignored.",
    ),
    r.out,
  );
});

test("several files: exit 1 when any is rejected, one report per file in order", () => {
  const r = run("check", deployable, rejected);
  assert.equal(r.code, 1);
  assert.ok(r.out.startsWith(`${deployable}: deployable`), r.out);
  assert.ok(r.out.includes(`\n${rejected}: rejected (4 errors)\n`), r.out);
  assert.equal(run("check", deployable, fixture("yarp-literal-braces.json")).code, 0);
});

test("--json prints an array of {file, ok, errors: [{resource, field, message}], warnings}", () => {
  const r = run("check", "--json", deployable, rejected);
  assert.equal(r.code, 1);
  assert.equal(r.err, "");
  const results = parseJsonOutput(r.out);
  assert.deepEqual(
    results.map((x) => [x.file, x.ok]),
    [
      [deployable, true],
      [rejected, false],
    ],
  );
  assert.deepEqual(results[0].errors, []);
  assert.deepEqual(results[0].warnings, []);
  for (const x of results)
    assert.deepEqual(Object.keys(x).sort(), ["errors", "file", "ok", "warnings"]);
  for (const e of results[1].errors)
    assert.deepEqual(Object.keys(e).sort(), ["field", "message", "resource"]);
  assert.deepEqual(
    results[1].errors.map((e) => [e.resource, e.field]),
    [
      ["storage", "type"],
      ["blobs", "connectionString"],
      ["api", "env.ConnectionStrings__blobs"],
      ["web", "env.services__api__http__0"],
    ],
  );
});

test("--json keeps warnings, and the option may come after the files", () => {
  const results = parseJsonOutput(
    run("check", fixture("deployment-manifest-only.json"), "--json").out,
  );
  assert.equal(results.length, 1);
  assert.equal(results[0].ok, true);
  assert.deepEqual(
    results[0].warnings.map((w) => [w.resource, w.field]),
    [["api", "deployment"]],
  );
});

test("the file is reported as given on the command line", () => {
  const relative = path.relative(process.cwd(), deployable);
  assert.equal(parseJsonOutput(run("check", "--json", relative).out)[0].file, relative);
});

test("invalid JSON: exit 1, the line and column in the report, nothing on stderr", () => {
  const r = run("check", invalidJson);
  assert.equal(r.code, 1);
  assert.match(r.out, /: rejected \(1 error\)\n  error: invalid JSON at line 6, column 5: /);
  assert.equal(r.err, "");
  const json = parseJsonOutput(run("check", "--json", invalidJson).out);
  assert.deepEqual(
    json[0].errors.map((e) => [e.resource, e.field]),
    [[null, null]],
  );
  assert.match(json[0].errors[0].message, /^invalid JSON at line 6, column 5: /);
});

test("a missing file: exit 1 and a message saying so", () => {
  const r = run("check", fixture("no-such-file.json"));
  assert.equal(r.code, 1);
  assert.match(
    r.out,
    /no-such-file\.json: rejected \(1 error\)\n  error: cannot read the manifest: no such file\./,
  );
});

const usageErrors: { argv: string[]; says: string }[] = [
  { argv: [], says: "aspire-arm: no command given." },
  { argv: ["deploy"], says: "aspire-arm: unknown command deploy." },
  { argv: ["check"], says: "aspire-arm: check: give at least one manifest file." },
  { argv: ["check", "--yaml", deployable], says: "aspire-arm: check: unknown option --yaml." },
];

for (const { argv, says } of usageErrors) {
  test(`usage error [${argv.map((a) => path.basename(a)).join(" ")}]: exit 2, message and help on stderr`, () => {
    const r = run(...argv);
    assert.equal(r.code, 2);
    assert.equal(r.out, "");
    assert.ok(r.err.startsWith(says), r.err);
    assert.ok(r.err.endsWith(HELP), "the help follows the message");
  });
}

test("help, --help and -h print the help on stdout and exit 0", () => {
  for (const arg of ["help", "--help", "-h"]) {
    const r = run(arg);
    assert.equal(r.code, 0, arg);
    assert.equal(r.out, HELP, arg);
    assert.equal(r.err, "", arg);
  }
  assert.match(
    HELP,
    /Exit codes: 0 success \(check: all deployable\), 1 rejected input, a plan that cannot fit or a\nPREVIOUS\.json that cannot be compared, 2 usage error\./,
  );
});

// ---- child process ----------------------------------------------------------------------------------

test("bin/aspire-arm.js exit codes: 0 deployable, 1 rejected, 2 usage", () => {
  const ok = spawn("check", deployable);
  assert.equal(ok.code, 0, ok.err);
  assert.equal(ok.out, `${deployable}: deployable (7 resources)\n${DEPLOY_TIME_CHECK}\n`);

  const bad = spawn("check", deployable, rejected);
  assert.equal(bad.code, 1, bad.err);
  assert.ok(bad.out.includes(`${rejected}: rejected (4 errors)`));

  for (const argv of [[], ["frobnicate"], ["check", "--nope", deployable]]) {
    const usage = spawn(...argv);
    assert.equal(usage.code, 2, `argv ${JSON.stringify(argv)}: ${usage.err}`);
    assert.match(usage.err, /^aspire-arm: /);
    assert.equal(usage.out, "");
  }
});

test("bin/aspire-arm.js --json output parses as the documented array", () => {
  const r = spawn("check", "--json", rejected);
  assert.equal(r.code, 1);
  const results = parseJsonOutput(r.out);
  assert.equal(results.length, 1);
  assert.equal(results[0].ok, false);
  assert.deepEqual(
    results[0].errors.map((e) => e.resource),
    ["storage", "blobs", "api", "web"],
  );
});

test("bin/aspire-arm.js on invalid JSON or a missing file: exit 1, line and column, no stack trace", () => {
  const r = spawn("check", invalidJson, fixture("no-such-file.json"));
  assert.equal(r.code, 1);
  assert.match(r.out, /invalid JSON at line 6, column 5/);
  assert.match(r.out, /no such file/);
  assert.ok(!r.err.includes("    at "), `stack trace on stderr:\n${r.err}`);
  assert.ok(!r.out.includes("    at "), `stack trace on stdout:\n${r.out}`);
  assert.equal(r.err, "");
});
