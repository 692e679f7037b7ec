// no-ssh-unless-enabled (policies/no-ssh-unless-enabled.ts) over hand-built rules of both clouds.
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkAll, noSshUnlessEnabled, type PolicyResource } from "../../policies";
import { ctx, firewall, found, ingressRule, sshCtx } from "./support";

test("no-ssh-unless-enabled: SSH from 0.0.0.0/0 is caught, and with SSH off any rule covering 22 is", () => {
  const rules: PolicyResource[] = [
    ingressRule("ssh-world", {
      ipProtocol: "tcp",
      fromPort: 22,
      toPort: 22,
      cidrIpv4: "0.0.0.0/0",
    }),
    ingressRule("ssh-office", {
      ipProtocol: "tcp",
      fromPort: 22,
      toPort: 22,
      cidrIpv4: "203.0.113.7/32",
    }),
    ingressRule("range", { ipProtocol: "tcp", fromPort: 20, toPort: 25, cidrIpv4: "10.0.0.0/8" }),
    ingressRule("all-protocols", { ipProtocol: "-1", referencedSecurityGroupId: "sg-x" }),
    ingressRule("udp22", { ipProtocol: "udp", fromPort: 22, toPort: 22, cidrIpv4: "10.0.0.0/8" }),
    {
      type: "aws:ec2/securityGroup:SecurityGroup",
      name: "inline",
      inputs: {
        ingress: [{ protocol: "tcp", fromPort: 0, toPort: 65535, cidrBlocks: ["10.0.0.0/8"] }],
      },
    },
    {
      type: "aws:ec2/securityGroupRule:SecurityGroupRule",
      name: "legacy",
      inputs: {
        type: "ingress",
        protocol: "6",
        fromPort: 22,
        toPort: 22,
        cidrBlocks: ["203.0.113.0/25"],
      },
    },
    firewall("gcp-iap", {
      allows: [{ protocol: "tcp", ports: ["22"] }],
      sourceRanges: ["35.235.240.0/20"],
    }),
    firewall("gcp-noports", { allows: [{ protocol: "tcp" }], sourceTags: ["app"] }),
    ingressRule("https", { ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0" }),
  ];
  const off = noSshUnlessEnabled(rules, ctx);
  assert.deepEqual(
    found(off),
    [
      "ssh-world",
      "ssh-office",
      "range",
      "all-protocols",
      "inline",
      "legacy",
      "gcp-iap",
      "gcp-noports",
    ].map((n) => `no-ssh-unless-enabled ${n}`),
  );
  assert.match(off[0].message, /SSH is not enabled/);
  assert.ok(found(checkAll([rules[0]], ctx)).includes("no-ssh-unless-enabled ssh-world"));

  // Enabled: only from the SSH CIDRs (contained ranges too), plus IAP on GCP.
  const on = noSshUnlessEnabled(rules, sshCtx);
  assert.deepEqual(
    found(on),
    ["ssh-world", "range", "all-protocols", "inline", "gcp-noports"].map(
      (n) => `no-ssh-unless-enabled ${n}`,
    ),
  );
  assert.match(on[0].message, /opens SSH \(port 22\) to 0\.0\.0\.0\/0/);
  assert.match(on[2].message, /security group sg-x/);
  // IAP is Google's range: on AWS it is just another source.
  assert.deepEqual(
    found(
      noSshUnlessEnabled(
        [
          ingressRule("aws-iap", {
            ipProtocol: "tcp",
            fromPort: 22,
            toPort: 22,
            cidrIpv4: "35.235.240.0/20",
          }),
        ],
        sshCtx,
      ),
    ),
    ["no-ssh-unless-enabled aws-iap"],
  );
  // IPv6 containment.
  assert.deepEqual(
    noSshUnlessEnabled(
      [
        ingressRule("v6", {
          ipProtocol: "tcp",
          fromPort: 22,
          toPort: 22,
          cidrIpv6: "2001:db8:1::/48",
        }),
      ],
      sshCtx,
    ),
    [],
  );
  assert.equal(
    noSshUnlessEnabled(
      [ingressRule("v6-world", { ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv6: "::/0" })],
      sshCtx,
    ).length,
    1,
  );
});
