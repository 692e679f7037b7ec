// no-open-ingress (policies/no-open-ingress.ts) over hand-built rules of both clouds.
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkAll, noOpenIngress } from "../../policies";
import { ctx, firewall, found, ingressRule } from "./support";

test("no-open-ingress: 0.0.0.0/0 on 5432 is caught on every kind of AWS rule and on GCP firewalls", () => {
  const vs = noOpenIngress(
    [
      ingressRule("pg", { ipProtocol: "tcp", fromPort: 5432, toPort: 5432, cidrIpv4: "0.0.0.0/0" }),
      ingressRule("pg6", { ipProtocol: "tcp", fromPort: 5432, toPort: 5432, cidrIpv6: "::/0" }),
      {
        type: "aws:ec2/securityGroup:SecurityGroup",
        name: "inline",
        inputs: {
          ingress: [
            { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] },
            { protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: ["0.0.0.0/0"] },
          ],
        },
      },
      {
        type: "aws:ec2/securityGroupRule:SecurityGroupRule",
        name: "legacy",
        inputs: {
          type: "ingress",
          protocol: "tcp",
          fromPort: 5432,
          toPort: 5432,
          cidrBlocks: ["0.0.0.0/0"],
        },
      },
      {
        type: "aws:ec2/securityGroupRule:SecurityGroupRule",
        name: "legacy-egress",
        inputs: {
          type: "egress",
          protocol: "-1",
          fromPort: 0,
          toPort: 0,
          cidrBlocks: ["0.0.0.0/0"],
        },
      },
      firewall("gcp-pg", {
        allows: [{ protocol: "tcp", ports: ["443", "5432"] }],
        sourceRanges: ["0.0.0.0/0"],
      }),
      firewall("gcp-nosource", { allows: [{ protocol: "tcp", ports: ["5432"] }] }),
      firewall("gcp-disabled", {
        allows: [{ protocol: "tcp", ports: ["5432"] }],
        sourceRanges: ["0.0.0.0/0"],
        disabled: true,
      }),
      ingressRule("pg-office", {
        ipProtocol: "tcp",
        fromPort: 5432,
        toPort: 5432,
        cidrIpv4: "198.51.100.0/24",
      }),
    ],
    ctx,
  );
  assert.deepEqual(found(vs), [
    "no-open-ingress pg",
    "no-open-ingress pg6",
    "no-open-ingress inline",
    "no-open-ingress legacy",
    "no-open-ingress gcp-pg",
    "no-open-ingress gcp-nosource",
  ]);
  assert.match(vs[0].message, /tcp port 5432 is open to 0\.0\.0\.0\/0.*tcp\/80, tcp\/443/);
  assert.match(vs[2].message, /^ingress\[1\]: tcp port 5432/);
  assert.deepEqual(
    found(
      checkAll(
        [
          ingressRule("pg", {
            ipProtocol: "tcp",
            fromPort: 5432,
            toPort: 5432,
            cidrIpv4: "0.0.0.0/0",
          }),
        ],
        ctx,
      ),
    ),
    ["no-open-ingress pg"],
  );
});

test("no-open-ingress: all protocols, port ranges, other protocols and wrong-protocol ports from anywhere are caught", () => {
  const vs = noOpenIngress(
    [
      ingressRule("all", { ipProtocol: "-1", cidrIpv4: "0.0.0.0/0" }),
      {
        type: "aws:ec2/securityGroup:SecurityGroup",
        name: "all-inline",
        inputs: {
          ingress: [{ protocol: "all", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }],
        },
      },
      ingressRule("range", { ipProtocol: "tcp", fromPort: 80, toPort: 443, cidrIpv4: "0.0.0.0/0" }),
      ingressRule("icmp", { ipProtocol: "icmp", fromPort: -1, toPort: -1, cidrIpv4: "0.0.0.0/0" }),
      ingressRule("udp443", {
        ipProtocol: "udp",
        fromPort: 443,
        toPort: 443,
        cidrIpv4: "0.0.0.0/0",
      }),
      ingressRule("unknown-ports", { ipProtocol: "tcp", cidrIpv4: "0.0.0.0/0" }),
      firewall("gcp-all", { allows: [{ protocol: "all" }], sourceRanges: ["0.0.0.0/0"] }),
      firewall("gcp-noports", { allows: [{ protocol: "tcp" }], sourceRanges: ["0.0.0.0/0"] }),
      firewall("gcp-range", {
        allows: [{ protocol: "tcp", ports: ["80-443"] }],
        sourceRanges: ["0.0.0.0/0"],
      }),
      ingressRule("udp-game", {
        ipProtocol: "udp",
        fromPort: 27015,
        toPort: 27015,
        cidrIpv4: "0.0.0.0/0",
      }),
    ],
    { ...ctx, publicPorts: [...ctx.publicPorts, { port: 27015, protocol: "udp" }] },
  );
  assert.deepEqual(
    found(vs),
    [
      "all",
      "all-inline",
      "range",
      "icmp",
      "udp443",
      "unknown-ports",
      "gcp-all",
      "gcp-noports",
      "gcp-range",
    ].map((n) => `no-open-ingress ${n}`),
  );
  assert.match(vs[0].message, /every protocol is open to 0\.0\.0\.0\/0/);
});
