// no-secret-in-user-data and secretsInOutputs (policies/secrets.ts): a secret's value in user
// data of either cloud, in any encoding, or in a stack output.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  checkAll,
  noSecretInUserData,
  type PolicyResource,
  secretsInOutputs,
  secretValues,
} from "../../policies";
import {
  awsInstance,
  cloudConfig,
  ctx,
  found,
  gcpInstance,
  gzipB64,
  mockSecret,
  SECRET,
} from "./support";

const secretParam: PolicyResource = {
  type: "aws:ssm/parameter:Parameter",
  name: "app-cache-password",
  inputs: {
    name: "/aspire-arm/dev/cache-password",
    type: "SecureString",
    value: mockSecret(SECRET),
  },
};

test("no-secret-in-user-data: a secret inside gzipped base64 user data is caught, without printing it", () => {
  const leaky = awsInstance("leaky", {
    userDataBase64: gzipB64(
      `${cloudConfig}  - path: /etc/app.env\n    content: REDIS_PASSWORD=${SECRET}\n`,
    ),
  });
  const vs = noSecretInUserData([secretParam, leaky, awsInstance("clean")]);
  assert.deepEqual(found(vs), ["no-secret-in-user-data leaky"]);
  assert.match(
    vs[0].message,
    /userDataBase64 \(decoded\) contains the value of the secret aws:ssm\/parameter:Parameter app-cache-password/,
  );
  assert.ok(!vs[0].message.includes(SECRET));
  assert.deepEqual(found(checkAll([secretParam, leaky], ctx)), ["no-secret-in-user-data leaky"]);
});

test("no-secret-in-user-data: plain, base64 and b64-embedded user data on AWS and GCP", () => {
  const gcpSecret: PolicyResource = {
    type: "gcp:secretmanager/secretVersion:SecretVersion",
    name: "v",
    inputs: { secretData: "gcp-secret-value-123" },
  };
  const b64File = `#cloud-config\nwrite_files:\n  - encoding: b64\n    content: ${Buffer.from(`X=${SECRET}\n`).toString("base64")}\n`;
  const vs = noSecretInUserData([
    secretParam,
    gcpSecret,
    {
      type: "aws:ssm/parameter:Parameter",
      name: "empty",
      inputs: { type: "SecureString", value: "" },
    },
    {
      type: "aws:ssm/parameter:Parameter",
      name: "not-secret",
      inputs: { type: "String", value: "cloud" },
    },
    awsInstance("plain", { userDataBase64: undefined, userData: `#!/bin/sh\necho ${SECRET}\n` }),
    awsInstance("b64-plain", {
      userDataBase64: Buffer.from(`#!/bin/sh\necho ${SECRET}\n`).toString("base64"),
    }),
    awsInstance("b64-file", { userDataBase64: undefined, userData: b64File }),
    gcpInstance("gcp-plain", "t2a-standard-1", {
      metadata: { "user-data": `password: gcp-secret-value-123` },
    }),
    gcpInstance("gcp-gzip", "t2a-standard-1", {
      metadata: { "user-data": gzipB64(`password: ${SECRET}`), "user-data-encoding": "base64" },
    }),
    gcpInstance("gcp-clean-b64", "t2a-standard-1", {
      metadata: { "user-data": gzipB64(cloudConfig), "user-data-encoding": "base64" },
    }),
    awsInstance("broken-gzip", {
      userDataBase64: Buffer.from([0x1f, 0x8b, 1, 2, 3]).toString("base64"),
    }),
  ]);
  assert.deepEqual(
    found(vs),
    ["plain", "b64-plain", "b64-file", "gcp-plain", "gcp-gzip", "broken-gzip"].map(
      (n) => `no-secret-in-user-data ${n}`,
    ),
  );
  assert.match(
    vs[3].message,
    /metadata\["user-data"\] contains the value of the secret gcp:secretmanager\/secretVersion:SecretVersion v/,
  );
  assert.match(vs[5].message, /cannot be checked/);
  assert.deepEqual(secretValues([secretParam, gcpSecret]), [SECRET, "gcp-secret-value-123"]);
});

test("secretsInOutputs finds a secret in any plain output, escaped or nested, and names only the output", () => {
  const outputs = {
    endpoints: { "webfrontend/http": "http://1.2.3.4" },
    leak: { nested: [`pw=${SECRET}`] },
    quoted: `say "${'a"b-quoted-secret'}"`,
    nothing: undefined,
  };
  const vs = secretsInOutputs(outputs, [SECRET, 'a"b-quoted-secret', ""]);
  assert.deepEqual(found(vs), ["no-secret-in-outputs leak", "no-secret-in-outputs quoted"]);
  assert.ok(vs.every((v) => !v.message.includes(SECRET)));
  assert.deepEqual(secretsInOutputs(outputs, []), []);
});
