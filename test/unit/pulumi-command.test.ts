// `aspire-arm preview|up`: the errors a new user meets, each one line saying what to do (no
// Pulumi CLI; no stack file; no credentials for the stack's cloud, how to log in or OIDC in CI),
// and with all in place the real command line handed to `pulumi` (a fake one recording its argv).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { repoRoot } from "../support/paths";

const bin = path.join(repoRoot, "bin/aspire-arm.js");

/** A working folder with Pulumi.dev.yaml (AWS) and Pulumi.g.yaml (GCP), an empty HOME, and a
 *  folder for a fake `pulumi`. */
function workspace() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aspire-arm-pulumi-"));
  const home = path.join(dir, "home");
  const tools = path.join(dir, "tools");
  fs.mkdirSync(home);
  fs.mkdirSync(tools);
  fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), "config:\n  aspire:cloud: aws\n");
  fs.writeFileSync(path.join(dir, "Pulumi.g.yaml"), "config:\n  aspire:cloud: gcp\n");
  const argvFile = path.join(dir, "argv");
  const fake = () =>
    fs.writeFileSync(
      path.join(tools, "pulumi"),
      `#!/bin/sh\nprintf '%s\\n' "$@" > '${argvFile}'\nexit 3\n`,
      { mode: 0o755 },
    );
  return { dir, home, tools, argvFile, fake };
}

function run(cwd: string, env: NodeJS.ProcessEnv, ...argv: string[]) {
  return new Promise<{ code: number; out: string; err: string }>((resolve) =>
    execFile(process.execPath, [bin, ...argv], { cwd, env, encoding: "utf8" }, (e, out, err) =>
      resolve({ code: e ? Number(e.code) : 0, out, err }),
    ),
  );
}

test("no pulumi on PATH: one line saying how to install it, exit 1", async () => {
  const w = workspace();
  const r = await run(w.dir, { PATH: w.tools, HOME: w.home }, "preview");
  assert.equal(r.code, 1);
  assert.equal(r.out, "");
  assert.match(
    r.err,
    /^aspire-arm: the Pulumi CLI is not installed \(no `pulumi` on PATH\): install it \(https:\/\/www\.pulumi\.com\/docs\/iac\/download-install\/, .*\), then run `aspire-arm preview` again\.\n$/,
  );
});

test("no credentials: for AWS and for GCP, one line each naming how to log in and the OIDC set-up for CI", async () => {
  const w = workspace();
  w.fake();
  const env = { PATH: w.tools, HOME: w.home };
  const cases: [string[], string][] = [
    [
      ["preview"],
      'aspire-arm: no AWS credentials found: run `aws configure sso` and `aws sso login` (then export AWS_PROFILE), or in CI, OIDC as the README\'s "Pull request previews" sets up (aws-actions/configure-aws-credentials with role-to-assume). On a cloud VM with an attached role or service account, set ASPIRE_SKIP_CREDENTIALS_CHECK=1.\n',
    ],
    [
      ["up", "--stack", "g"],
      'aspire-arm: no Google Cloud credentials found: run `gcloud auth application-default login`, or in CI, OIDC as the README\'s "Pull request previews" sets up (google-github-actions/auth with workload_identity_provider). On a cloud VM with an attached role or service account, set ASPIRE_SKIP_CREDENTIALS_CHECK=1.\n',
    ],
  ];
  for (const [argv, line] of cases) {
    const r = await run(w.dir, env, ...argv);
    assert.equal(r.code, 1, argv.join(" "));
    assert.equal(r.err, line);
  }
  assert.ok(!fs.existsSync(w.argvFile), "pulumi did not run");
  const none = await run(w.dir, env, "preview", "--stack", "nowhere");
  assert.equal(none.code, 1);
  assert.match(
    none.err,
    /^aspire-arm: no Pulumi\.nowhere\.yaml here: run `pulumi stack init nowhere`/,
  );
});

test("with credentials (AWS profile; gcloud's application default file): pulumi preview|up --stack NAME and the rest of the arguments, its exit code", async () => {
  const w = workspace();
  w.fake();
  const aws = await run(
    w.dir,
    { PATH: w.tools, HOME: w.home, AWS_PROFILE: "dev" },
    "preview",
    "--diff",
  );
  assert.equal(aws.code, 3, aws.err);
  assert.deepEqual(fs.readFileSync(w.argvFile, "utf8").split("\n"), [
    "preview",
    "--stack",
    "dev",
    "--diff",
    "",
  ]);
  const adc = path.join(w.home, ".config/gcloud/application_default_credentials.json");
  fs.mkdirSync(path.dirname(adc), { recursive: true });
  fs.writeFileSync(adc, "{}");
  const gcp = await run(w.dir, { PATH: w.tools, HOME: w.home }, "up", "--stack", "g", "--yes");
  assert.equal(gcp.code, 3, gcp.err);
  assert.deepEqual(fs.readFileSync(w.argvFile, "utf8").split("\n"), [
    "up",
    "--stack",
    "g",
    "--yes",
    "",
  ]);
});

test("ASPIRE_SKIP_CREDENTIALS_CHECK=1 (the line's advice on a cloud VM, whose role the check cannot see) runs pulumi without credentials; another value does not", async () => {
  const w = workspace();
  w.fake();
  const other = await run(
    w.dir,
    { PATH: w.tools, HOME: w.home, ASPIRE_SKIP_CREDENTIALS_CHECK: "yes" },
    "preview",
  );
  assert.equal(other.code, 1);
  assert.match(other.err, /^aspire-arm: no AWS credentials found: /);
  assert.ok(!fs.existsSync(w.argvFile), "pulumi did not run");
  const skipped = await run(
    w.dir,
    { PATH: w.tools, HOME: w.home, ASPIRE_SKIP_CREDENTIALS_CHECK: "1" },
    "up",
    "--stack",
    "g",
  );
  assert.equal(skipped.code, 3, skipped.err);
  assert.deepEqual(fs.readFileSync(w.argvFile, "utf8").split("\n"), ["up", "--stack", "g", ""]);
});
