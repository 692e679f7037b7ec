// The rollout waiters as `pulumi up` runs them (node on the compiled file, settings in the
// environment), against fake cloud servers on 127.0.0.1: the AWS SDK's real SSM client (endpoint
// from AWS_ENDPOINT_URL_SSM) and google-auth-library's real service-account flow (token_uri of a
// generated key) then the Compute API's getGuestAttributes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { reply, serve, type Seen } from "../vm-scripts/support";
import { awsRolloutFromEnv, rolloutCommandLine } from "../../components/rollout/aws-ssm";
import { parseResult } from "../../components/rollout/gce-guest-attributes";

const DIST = path.resolve(__dirname, "../../components/rollout");
const RELEASE = "0123456789abcdef";

interface Run {
  code: number;
  out: string;
  err: string;
}

function runWaiter(file: string, env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(DIST, file)],
      // Only what the program passes, plus PATH: no credentials of this machine leak in.
      { env: { PATH: process.env.PATH ?? "", HOME: os.tmpdir(), ...env }, encoding: "utf8" },
      (error, out, err) => resolve({ code: error ? Number(error.code) : 0, out, err }),
    );
  });
}

const AWS_ENV = {
  ASPIRE_INSTANCE_ID: "i-0123456789abcdef0",
  ASPIRE_VM: "app",
  ASPIRE_RELEASE: RELEASE,
  ASPIRE_BUCKET: "aspire-arm-dev-1a2b3c4d",
  ASPIRE_KEY: `app/${RELEASE}.json.gz`,
  ASPIRE_POLL_SECONDS: "0.01",
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "AKIATEST",
  AWS_SECRET_ACCESS_KEY: "secret",
};

/** A fake SSM (JSON 1.1 protocol): the instance comes online after `offline` polls, the invocation
 *  exists after one poll, runs for two, then ends with `final`. */
async function fakeSsm(
  t: Parameters<typeof serve>[0],
  final: { Status: string; StandardOutputContent?: string; StandardErrorContent?: string },
  offline = 1,
) {
  let online = 0;
  let polls = 0;
  return serve(t, (req: Seen, res) => {
    const target = String(req.headers["x-amz-target"]).replace("AmazonSSM.", "");
    const body = JSON.parse(req.body || "{}");
    if (target === "DescribeInstanceInformation")
      return reply(res, 200, {
        InstanceInformationList:
          online++ < offline
            ? []
            : [{ InstanceId: body.Filters[0].Values[0], PingStatus: "Online" }],
      });
    if (target === "SendCommand") return reply(res, 200, { Command: { CommandId: "cmd-1" } });
    if (target === "GetCommandInvocation") {
      polls++;
      if (polls === 1)
        return reply(res, 400, { __type: "InvocationDoesNotExist", message: "not yet" });
      if (polls < 4) return reply(res, 200, { Status: "InProgress" });
      return reply(res, 200, { ResponseCode: final.Status === "Success" ? 0 : 1, ...final });
    }
    reply(res, 400, { __type: "UnknownOperation", message: target });
  });
}

test("AWS: waits until the VM is online, sends rollout.sh with the release, and succeeds with it", async (t) => {
  const ssm = await fakeSsm(t, {
    Status: "Success",
    StandardOutputContent: "aspire-arm: apply done\n",
  });
  const run = await runWaiter("aws-ssm.js", { ...AWS_ENV, AWS_ENDPOINT_URL_SSM: ssm.base });
  assert.equal(run.code, 0, run.err);
  assert.match(run.out, /VM app: release 0123456789abcdef applied/);
  const targets = ssm.seen.map((s) => String(s.headers["x-amz-target"]).replace("AmazonSSM.", ""));
  assert.deepEqual(targets.slice(0, 3), [
    "DescribeInstanceInformation",
    "DescribeInstanceInformation",
    "SendCommand",
  ]);
  const send = JSON.parse(ssm.seen[2]!.body);
  assert.equal(send.DocumentName, "AWS-RunShellScript");
  assert.deepEqual(send.InstanceIds, ["i-0123456789abcdef0"]);
  assert.deepEqual(send.Parameters.commands, [
    `'/usr/local/lib/aspire-arm/rollout.sh' 's3' 'aspire-arm-dev-1a2b3c4d' 'app/${RELEASE}.json.gz' '${RELEASE}'`,
  ]);
  assert.deepEqual(send.Parameters.executionTimeout, ["1800"]);
  // Every request signed with the credentials it was given (SigV4, service ssm).
  for (const s of ssm.seen)
    assert.match(
      String(s.headers.authorization),
      /Credential=AKIATEST\/\d{8}\/us-east-1\/ssm\/aws4_request/,
    );
});

test("AWS: a failed rollout exits 1 with the VM's stderr (the failing service's logs)", async (t) => {
  const ssm = await fakeSsm(t, {
    Status: "Failed",
    StandardErrorContent:
      "aspire-arm: apiservice is not healthy\napiservice | Unhandled exception\n",
  });
  const run = await runWaiter("aws-ssm.js", { ...AWS_ENV, AWS_ENDPOINT_URL_SSM: ssm.base });
  assert.equal(run.code, 1);
  assert.match(
    run.err,
    /release 0123456789abcdef of VM app failed \(Failed, exit 1; SSM command cmd-1\)/,
  );
  assert.match(run.err, /apiservice \| Unhandled exception/);
});

test("AWS: a VM that never comes online fails with what to check, without sending anything", async (t) => {
  const ssm = await fakeSsm(t, { Status: "Success" }, 1_000_000);
  const run = await runWaiter("aws-ssm.js", {
    ...AWS_ENV,
    AWS_ENDPOINT_URL_SSM: ssm.base,
    ASPIRE_ONLINE_TIMEOUT: "0.2",
  });
  assert.equal(run.code, 1);
  assert.match(
    run.err,
    /VM app \(i-0123456789abcdef0\) is not online in Systems Manager after 0.2 s/,
  );
  assert.ok(!ssm.seen.some((s) => String(s.headers["x-amz-target"]).endsWith("SendCommand")));
});

test("AWS: settings that would reach the VM's shell are refused unless they have the program's shapes", () => {
  const base = { ...AWS_ENV };
  assert.doesNotThrow(() => awsRolloutFromEnv(base));
  for (const [k, v] of [
    ["ASPIRE_INSTANCE_ID", "i-0123456789abcdef0; reboot"],
    ["ASPIRE_RELEASE", "abc'def0123456789"],
    ["ASPIRE_BUCKET", "Bucket$(id)"],
    ["ASPIRE_KEY", `../app/${RELEASE}.json.gz`],
  ] as const)
    assert.throws(() => awsRolloutFromEnv({ ...base, [k]: v }), /bad /, k);
  assert.equal(
    rolloutCommandLine(awsRolloutFromEnv(base)),
    `'/usr/local/lib/aspire-arm/rollout.sh' 's3' 'aspire-arm-dev-1a2b3c4d' 'app/${RELEASE}.json.gz' '${RELEASE}'`,
  );
});

// --- GCP -----------------------------------------------------------------------------------------

const TOKEN = "ya29.rollout-test-token";

/** Workload identity federation credentials (what a CI job with OIDC uses): an OIDC token in a
 *  file, exchanged at token_url (the fake server) by google-auth-library's own STS flow. */
function externalAccount(dir: string, tokenUrl: string): string {
  const subject = path.join(dir, "oidc-token");
  fs.writeFileSync(subject, "oidc-subject-token");
  const file = path.join(dir, "credentials.json");
  fs.writeFileSync(
    file,
    JSON.stringify({
      type: "external_account",
      audience:
        "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/ci/providers/gh",
      subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
      token_url: tokenUrl,
      credential_source: { file: subject },
    }),
  );
  return file;
}

/** A fake Compute API and token endpoint: the guest attribute reports `reports` in turn (undefined:
 *  404, nothing reported yet), then the last one for ever. */
async function fakeCompute(t: Parameters<typeof serve>[0], reports: (string | undefined)[]) {
  let i = 0;
  return serve(t, (req, res) => {
    if (req.url === "/token")
      return req.body.includes("subject_token=oidc-subject-token")
        ? reply(res, 200, {
            access_token: TOKEN,
            expires_in: 3600,
            token_type: "Bearer",
            issued_token_type: "urn:ietf:params:oauth:token-type:access_token",
          })
        : reply(res, 400, { error: "invalid_grant" });
    if (req.headers.authorization !== `Bearer ${TOKEN}`)
      return reply(res, 401, { error: "no token" });
    const value = reports[Math.min(i++, reports.length - 1)];
    if (value === undefined) return reply(res, 404, { error: { code: 404, message: "not found" } });
    reply(res, 200, {
      queryPath: "aspire-arm/result",
      queryValue: { items: [{ namespace: "aspire-arm", key: "result", value }] },
    });
  });
}

async function runGce(
  t: Parameters<typeof serve>[0],
  reports: (string | undefined)[],
  extra: Record<string, string> = {},
) {
  const api = await fakeCompute(t, reports);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aspire-arm-gce-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const run = await runWaiter("gce-guest-attributes.js", {
    ASPIRE_GCP_PROJECT: "proj-1",
    ASPIRE_GCP_ZONE: "us-central1-a",
    ASPIRE_INSTANCE: "aspire-dev-app",
    ASPIRE_RELEASE: RELEASE,
    ASPIRE_POLL_SECONDS: "0",
    ASPIRE_COMPUTE_API: api.base,
    GOOGLE_APPLICATION_CREDENTIALS: externalAccount(dir, `${api.base}/token`),
    ...extra,
  });
  return { run, seen: api.seen };
}

test("GCP: waits through nothing reported, an older release and applying, and succeeds on ok", async (t) => {
  const { run, seen } = await runGce(t, [
    undefined,
    "fedcba9876543210 ok",
    `${RELEASE} applying`,
    `${RELEASE} ok`,
  ]);
  assert.equal(run.code, 0, run.err);
  assert.match(run.out, /VM aspire-dev-app: release 0123456789abcdef applied/);
  const queries = seen.filter((s) => s.url !== "/token");
  assert.equal(queries.length, 4);
  assert.equal(
    queries[0]!.url,
    "/compute/v1/projects/proj-1/zones/us-central1-a/instances/aspire-dev-app/getGuestAttributes?queryPath=aspire-arm%2Fresult",
  );
});

test("GCP: a failed release exits 1 with the log lines the VM reported", async (t) => {
  const { run } = await runGce(t, [
    `${RELEASE} failed\naspire-arm: webfrontend exited (1)\nwebfrontend | boom\n`,
  ]);
  assert.equal(run.code, 1);
  assert.match(
    run.err,
    /release 0123456789abcdef of VM aspire-dev-app failed:\naspire-arm: webfrontend exited \(1\)\nwebfrontend \| boom/,
  );
});

test("GCP: a VM that reports another release until the deadline fails saying what it reported", async (t) => {
  const { run } = await runGce(t, ["fedcba9876543210 ok"], { ASPIRE_ROLLOUT_TIMEOUT: "0.3" });
  assert.equal(run.code, 1);
  assert.match(
    run.err,
    /did not report release 0123456789abcdef within 0.3 s \(it last reported release fedcba9876543210: ok\)/,
  );
});

test("GCP: the report's first line is release and status, the rest its log", () => {
  assert.deepEqual(parseResult(`${RELEASE} failed\na\nb`), {
    release: RELEASE,
    status: "failed",
    log: "a\nb",
  });
  assert.deepEqual(parseResult(`${RELEASE} ok`), { release: RELEASE, status: "ok", log: "" });
});
