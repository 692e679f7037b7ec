// The VM-level inputs `aspire-arm plan --json` gives per VM (vmInputs, src/render/vm-inputs.ts),
// in-process: with no stack settings at all, the network as each form of aspire:network reads on
// each cloud, the image of each OS, the data disk's type, the SSH key by the fingerprint OpenSSH
// prints for it, and the inputs' fingerprint, which any tool can recompute from the JSON.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as crypto from "node:crypto";
import type { NetworkOptions, SshOptions } from "../../src/config/stack-config";
import type { Cloud, PlanOptions } from "../../src/plan";
import {
  sshFingerprint,
  vmInputs,
  vmInputsFingerprint,
  type StackInputs,
  type VmInputs,
} from "../../src/render/vm-inputs";
import { fixture, planFile, render, starterManifest } from "../plan/plan-support";

/** The inputs of the first VM of a manifest's plan on a cloud, with these stack settings. */
function inputsOf(
  cloud: Cloud,
  stack?: StackInputs,
  options: Partial<PlanOptions> = {},
  manifest = starterManifest,
): VmInputs {
  const plan = planFile(manifest, { cloud, ...options });
  return vmInputs(plan, render(plan, plan.vms[0]), stack);
}

// Public keys made with ssh-keygen (OpenSSH 9.2) for these tests, and the fingerprints
// `ssh-keygen -lf KEY.pub` printed for them (hard-coded: the tests run no ssh-keygen).
const ED25519 =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAFnHp3RZFCxv+/42fdn1I/6xvF58BD8mbQ4Impx7LEw me@laptop";
const ED25519_FP = "SHA256:UTuHwoMkIZKTAzEtZfUubSnTWCu7/+pAMiSzMVtEXtA";
const RSA =
  "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDDZD5ebtjWfAfh8Q5p18qTzZ/vaRM800XbRF/JK4Kqia8xeaU9zy/0SD+gEGUr27HrESuMIWHZejcVz98uLObUWUGICBMDHoMyZk2zP69V80To9N2+WBknyOOufGT0APn7XlzV19kvv6DlLt2wgfKpyHxugk0BiGriryQD8kBPl4FLWj5Uhkm0ti26rGcFoNunIakXqe3E3w+09o0TCHBTHxc2Gnewh4lTn3sr+96CeSY+t8CJOP07PhDbl+D5eNC7uNGrk970sAuhv8BYQ8yZUZ/ApeviJf2O9Co6Veqg5x4qQOHwHjmyNEl+nRSTTfmaGkFs/LPJg4aqo1CLEboT ci key";
const RSA_FP = "SHA256:vmdi571NpmSOfbJBT0uJiiLS10w9YCTKs5eol82oDNE";
// Its blob ends in base64 padding, and it has no comment.
const ECDSA =
  "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBM2G74oKHfS5bACEa3DPt1eqzFSfbd2jF/PanMWcLQLNOLDF5Gqr3Xtid9XS2nzFEG7vZjkS9XCx7YldcwnXo0g=";
const ECDSA_FP = "SHA256:6cClHiVOupjJvtC3qJ9NjXRXbQye6FVBuoPUJTwLvB0";

test("the SSH key's fingerprint is the one ssh-keygen -l prints, for ed25519, RSA and ECDSA keys", () => {
  assert.equal(sshFingerprint(ED25519), `ssh-ed25519 ${ED25519_FP}`);
  assert.equal(sshFingerprint(RSA), `ssh-rsa ${RSA_FP}`);
  assert.equal(sshFingerprint(ECDSA), `ecdsa-sha2-nistp256 ${ECDSA_FP}`);
});

test("a key line as a .pub file holds it (blanks around, tabs and runs of spaces between its fields) has the fingerprint ssh-keygen -l prints for that file", () => {
  const [type, blob] = ED25519.split(" ");
  // ssh-keygen -lf gave ED25519_FP for both of these lines, written to files as they are here.
  for (const line of [
    `  \t${type}   ${blob} me@laptop\n`,
    `${type}\t${blob}  two  word comment \n`,
  ])
    assert.equal(sshFingerprint(line), `ssh-ed25519 ${ED25519_FP}`, JSON.stringify(line));
});

test("a line that holds no key blob is fingerprinted by its own text, so that two such lines still differ", () => {
  // The SHA-256 of the bare text, as `printf %s TEXT | openssl dgst -sha256 -binary | base64`
  // printed it, without its padding.
  assert.equal(
    sshFingerprint("ssh-ed25519"),
    "ssh-ed25519 SHA256:hY06RzMqNSV0gARVxKRn/VkW2flz+tR6G6JDQjBri3A",
  );
  assert.equal(
    sshFingerprint("ssh-rsa"),
    "ssh-rsa SHA256:wwJLojaeNL8IDnY4f18q+6y0xqfIFstj55u/ocpoZ4U",
  );
});

const SSH_ON: SshOptions = { enabled: true, cidrs: ["203.0.113.7/32"], publicKey: ED25519 };

test("with no stack settings, a VM is on the cloud's default network and is created with no SSH key", () => {
  for (const cloud of ["aws", "gcp"] as const) {
    for (const stack of [undefined, {}]) {
      const i = inputsOf(cloud, stack);
      assert.deepEqual([i.network, i.sshKey], ["default", null], `${cloud} ${String(stack)}`);
    }
    // A network set, SSH not: still no key.
    assert.equal(
      inputsOf(cloud, { network: { kind: "create", cidr: "10.9.0.0/16" } }).sshKey,
      null,
    );
  }
});

test("the SSH key a VM is created with: the configured key's fingerprint only when SSH is on and a key is given", () => {
  for (const cloud of ["aws", "gcp"] as const) {
    assert.equal(inputsOf(cloud, { ssh: SSH_ON }).sshKey, `ssh-ed25519 ${ED25519_FP}`);
    assert.equal(inputsOf(cloud, { ssh: { ...SSH_ON, enabled: false } }).sshKey, null);
    assert.equal(
      inputsOf(cloud, { ssh: { enabled: true, cidrs: ["203.0.113.7/32"] } }).sshKey,
      null,
    );
    // Without a network setting: the default network.
    assert.equal(inputsOf(cloud, { ssh: SSH_ON }).network, "default");
  }
});

test("the network each form of aspire:network gives, on each cloud; an id the settings lack shows as ?", () => {
  const cases: [Cloud, NetworkOptions, string][] = [
    ["aws", { kind: "default" }, "default"],
    ["gcp", { kind: "default" }, "default"],
    ["aws", { kind: "create", cidr: "10.42.0.0/16" }, "created 10.42.0.0/16"],
    ["gcp", { kind: "create", cidr: "10.7.0.0/20" }, "created 10.7.0.0/20"],
    [
      "aws",
      { kind: "existing", vpcId: "vpc-0abc", subnetIds: ["subnet-0a", "subnet-0b"] },
      "vpc vpc-0abc, subnets subnet-0a,subnet-0b",
    ],
    ["aws", { kind: "existing", subnetIds: ["subnet-0a"] }, "vpc ?, subnets subnet-0a"],
    [
      "gcp",
      { kind: "existing", subnetIds: [], network: "my-vpc", subnetwork: "my-subnet" },
      "network my-vpc, subnetwork my-subnet",
    ],
    ["gcp", { kind: "existing", subnetIds: [], network: "my-vpc" }, "network my-vpc"],
    [
      "gcp",
      { kind: "existing", subnetIds: [], subnetwork: "my-subnet" },
      "network ?, subnetwork my-subnet",
    ],
  ];
  for (const [cloud, network, text] of cases)
    assert.equal(inputsOf(cloud, { network }).network, text, `${cloud} ${JSON.stringify(network)}`);
});

test("the image of each OS: the AMI's SSM parameter on AWS, the image family on GCP; an OS the cloud has no image for says so", () => {
  assert.equal(
    inputsOf("aws", {}, { os: "al2023" }).image,
    "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64",
  );
  assert.equal(inputsOf("gcp").image, "ubuntu-os-cloud/ubuntu-2404-lts-arm64");
  // The plan refuses Amazon Linux on GCP; should a VM of it reach vmInputs all the same, its
  // image says what is missing rather than being left out of the JSON.
  const plan = planFile(starterManifest, { cloud: "aws", os: "al2023" });
  const i = vmInputs({ ...plan, cloud: "gcp" }, render(plan, plan.vms[0]));
  assert.equal(i.image, "(no gcp image for al2023)");
});

test("the data disk: none and no type without a named volume; with one, of the boot disk's type (gp3; by machine series on GCP)", () => {
  assert.deepEqual([inputsOf("aws").dataDiskGb, inputsOf("aws").dataDiskType], [0, null]);
  const volumes = fixture("volume-app.json");
  const disk = (cloud: Cloud, options: Partial<PlanOptions> = {}) => {
    const i = inputsOf(cloud, {}, options, volumes);
    return [i.dataDiskGb, i.bootDiskType, i.dataDiskType];
  };
  assert.deepEqual(disk("aws"), [20, "gp3", "gp3"]);
  assert.deepEqual(disk("gcp"), [20, "pd-balanced", "pd-balanced"]);
  assert.deepEqual(disk("gcp", { instanceType: "c4a-standard-2" }), [
    20,
    "hyperdisk-balanced",
    "hyperdisk-balanced",
  ]);
});

/** JSON with every object's keys sorted and no spaces, as `jq -cS` prints it. */
function sortedJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

test("the VM inputs' fingerprint is the SHA-256 of their JSON with sorted keys and no spaces (jq -cS), 16 hex digits: a tool outside aspire-arm recomputes it from plan --json", () => {
  for (const cloud of ["aws", "gcp"] as const)
    for (const stack of [{}, { ssh: SSH_ON }]) {
      const inputs = inputsOf(cloud, stack);
      const asPrinted: unknown = JSON.parse(JSON.stringify(inputs, null, 2));
      const sha = crypto.createHash("sha256").update(sortedJson(asPrinted)).digest("hex");
      assert.equal(vmInputsFingerprint(inputs), sha.slice(0, 16), cloud);
    }
});

test("the fingerprint does not depend on the order the inputs or their vm.env settings are listed in", () => {
  const inputs = inputsOf("gcp", { ssh: SSH_ON });
  const reversed = <T extends object>(o: T): T =>
    Object.fromEntries(Object.entries(o).reverse()) as T;
  const reordered = { ...reversed(inputs), vmEnv: reversed(inputs.vmEnv) };
  assert.notDeepEqual(Object.keys(reordered), Object.keys(inputs));
  assert.equal(vmInputsFingerprint(reordered), vmInputsFingerprint(inputs));
  // While a change of one setting inside vm.env, or of a key to none, changes it.
  const [name] = Object.keys(inputs.vmEnv);
  assert.notEqual(
    vmInputsFingerprint({ ...inputs, vmEnv: { ...inputs.vmEnv, [name]: "x" } }),
    vmInputsFingerprint(inputs),
  );
  assert.notEqual(vmInputsFingerprint({ ...inputs, sshKey: null }), vmInputsFingerprint(inputs));
});
