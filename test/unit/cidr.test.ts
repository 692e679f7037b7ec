// CIDR blocks (src/config/cidr.ts), the one reading of them for the stack config, the components
// and the policies; and the stack config's CIDR rules (aspire:ssh cidrs, aspire:network's cidr).
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  cidrContains,
  ipv4CidrProblem,
  isCanonical,
  networkAddress,
  parseCidr,
  type Cidr,
} from "../../src/config/cidr";
import { readStackConfig } from "../../src/config/stack-config";

const cidr = (text: string): Cidr => {
  const c = parseCidr(text);
  assert.ok(c, `${text} should read as a CIDR`);
  return c;
};

test("parseCidr reads IPv4 and IPv6 blocks, host bits set or not", () => {
  assert.deepEqual(parseCidr("203.0.113.0/24"), { family: 4, address: "203.0.113.0", prefix: 24 });
  assert.deepEqual(parseCidr("10.0.0.1/8"), { family: 4, address: "10.0.0.1", prefix: 8 });
  assert.deepEqual(parseCidr("0.0.0.0/0"), { family: 4, address: "0.0.0.0", prefix: 0 });
  assert.deepEqual(parseCidr("2001:db8::/32"), { family: 6, address: "2001:db8::", prefix: 32 });
  assert.deepEqual(parseCidr("::/0"), { family: 6, address: "::", prefix: 0 });
  assert.deepEqual(parseCidr("::ffff:192.0.2.1/128"), {
    family: 6,
    address: "::ffff:192.0.2.1",
    prefix: 128,
  });
  // A bare address only when asked: then it is its own block.
  assert.equal(parseCidr("203.0.113.7"), undefined);
  assert.deepEqual(parseCidr("203.0.113.7", { bareAddress: true }), {
    family: 4,
    address: "203.0.113.7",
    prefix: 32,
  });
  assert.deepEqual(parseCidr("2001:db8::1", { bareAddress: true }), {
    family: 6,
    address: "2001:db8::1",
    prefix: 128,
  });
});

test("parseCidr refuses what is not a CIDR: bad octets and prefixes, leading zeros, zones, white space, two slashes", () => {
  for (const bad of [
    "999.1.1.1/99",
    "999.1.1.1/24",
    "256.0.0.0/8",
    "10.0.0.0/33",
    "2001:db8::/129",
    "010.0.0.1/32",
    "10.0.0.0/08",
    "10.0.0.0/-1",
    "10.0.0.0/",
    "10.0.0/8",
    "1.2.3.4/24/5",
    " 10.0.0.0/8",
    "10.0.0.0/8 ",
    "fe80::1%eth0/64",
    "2001:db8:::/32",
    "0x7f.0.0.1/32",
    "",
  ])
    assert.equal(parseCidr(bad), undefined, bad);
});

test("networkAddress and isCanonical: host bits cleared, IPv6 in its usual compressed form", () => {
  assert.equal(networkAddress(cidr("10.0.0.1/8")), "10.0.0.0");
  assert.equal(networkAddress(cidr("203.0.113.77/26")), "203.0.113.64");
  assert.equal(networkAddress(cidr("10.42.5.7/16")), "10.42.0.0");
  assert.equal(networkAddress(cidr("1.2.3.4/0")), "0.0.0.0");
  assert.equal(networkAddress(cidr("2001:db8:1:2::1/32")), "2001:db8::");
  assert.equal(networkAddress(cidr("2001:DB8::/32")), "2001:db8::");
  assert.equal(networkAddress(cidr("::ffff:192.0.2.129/120")), "::ffff:192.0.2.0");
  assert.equal(networkAddress(cidr("fe80::f123:2:3:4/68")), "fe80::f000:0:0:0");
  assert.ok(isCanonical(cidr("10.0.0.0/8")));
  assert.ok(isCanonical(cidr("203.0.113.7/32")));
  assert.ok(isCanonical(cidr("0.0.0.0/0")));
  assert.ok(!isCanonical(cidr("10.0.0.1/8")));
  assert.ok(isCanonical(cidr("2001:db8::/32")));
  assert.ok(isCanonical(cidr("2001:0DB8:0::/32")), "another text of the same address");
  assert.ok(!isCanonical(cidr("2001:db8::1/32")));
  assert.ok(isCanonical(cidr("::/0")));
});

test("cidrContains: the inner block lies wholly in the outer one, in the same family", () => {
  assert.ok(cidrContains(cidr("203.0.113.0/24"), cidr("203.0.113.0/25")));
  assert.ok(cidrContains(cidr("203.0.113.0/24"), cidr("203.0.113.200/32")));
  assert.ok(cidrContains(cidr("203.0.113.0/24"), cidr("203.0.113.0/24")));
  assert.ok(cidrContains(cidr("0.0.0.0/0"), cidr("198.51.100.0/24")));
  assert.ok(
    !cidrContains(cidr("203.0.113.0/25"), cidr("203.0.113.0/24")),
    "a larger block is not inside a smaller one",
  );
  assert.ok(!cidrContains(cidr("203.0.113.0/24"), cidr("203.0.114.0/32")));
  // Host bits set: read as the block the address falls in.
  assert.ok(cidrContains(cidr("203.0.113.7/24"), cidr("203.0.113.200/25")));
  assert.ok(cidrContains(cidr("2001:db8::/32"), cidr("2001:db8:1::/48")));
  assert.ok(!cidrContains(cidr("2001:db8::/32"), cidr("2001:db9::/48")));
  assert.ok(!cidrContains(cidr("::/0"), cidr("10.0.0.0/8")), "IPv6 blocks hold no IPv4 block");
  // Node's BlockList matches IPv4-mapped IPv6 addresses against IPv4 rules; a block of one family
  // never holds one of the other here.
  assert.ok(!cidrContains(cidr("192.0.2.0/24"), cidr("::ffff:192.0.2.1/128")));
});

test("ipv4CidrProblem: the stack config takes canonical IPv4 blocks only, and says which block was meant", () => {
  assert.equal(ipv4CidrProblem("203.0.113.7/32"), undefined);
  assert.equal(ipv4CidrProblem("10.42.0.0/16"), undefined);
  assert.equal(ipv4CidrProblem("999.1.1.1/99"), "999.1.1.1/99 is not an IPv4 CIDR");
  assert.equal(ipv4CidrProblem("10.0.0.0/33"), "10.0.0.0/33 is not an IPv4 CIDR");
  assert.equal(ipv4CidrProblem("203.0.113.7"), "203.0.113.7 is not an IPv4 CIDR");
  assert.equal(ipv4CidrProblem("2001:db8::/32"), "2001:db8::/32 is not an IPv4 CIDR");
  assert.equal(
    ipv4CidrProblem("10.0.0.1/8"),
    "10.0.0.1/8 has host bits set: the block it names is written 10.0.0.0/8",
  );
});

/** The config errors as "key: message". */
const errors = (raw: Record<string, unknown>) =>
  readStackConfig({ "aws:region": "us-east-1", ...raw }).errors.map(
    (e) => `${e.field}: ${e.message}`,
  );

test("aspire:ssh cidrs: each a canonical IPv4 CIDR", () => {
  const ssh = (...cidrs: string[]) =>
    errors({ "aspire:ssh": JSON.stringify({ enabled: true, cidrs }) });
  assert.deepEqual(ssh("203.0.113.7/32", "198.51.100.0/24"), []);
  assert.deepEqual(ssh("999.1.1.1/99"), [
    "aspire:ssh.cidrs: 999.1.1.1/99 is not an IPv4 CIDR. Example: 203.0.113.7/32",
  ]);
  assert.deepEqual(ssh("10.0.0.0/33"), [
    "aspire:ssh.cidrs: 10.0.0.0/33 is not an IPv4 CIDR. Example: 203.0.113.7/32",
  ]);
  assert.deepEqual(ssh("10.0.0.1/8"), [
    "aspire:ssh.cidrs: 10.0.0.1/8 has host bits set: the block it names is written 10.0.0.0/8. Example: 203.0.113.7/32",
  ]);
  assert.deepEqual(ssh("2001:db8::/32"), [
    "aspire:ssh.cidrs: 2001:db8::/32 is not an IPv4 CIDR. Example: 203.0.113.7/32",
  ]);
});

test("aspire:network {create: true, cidr}: a canonical IPv4 CIDR, 10.42.0.0/16 when not given", () => {
  const create = (cidr?: string) =>
    readStackConfig({
      "aws:region": "us-east-1",
      "aspire:network": JSON.stringify({ create: true, ...(cidr === undefined ? {} : { cidr }) }),
    });
  assert.deepEqual(create().config.network, { kind: "create", cidr: "10.42.0.0/16" });
  assert.deepEqual(create("10.1.0.0/16").config.network, { kind: "create", cidr: "10.1.0.0/16" });
  assert.deepEqual(create("10.1.0.0/16").errors, []);
  assert.deepEqual(
    create("10.1.2.3/16").errors.map((e) => `${e.field}: ${e.message}`),
    [
      "aspire:network.cidr: 10.1.2.3/16 has host bits set: the block it names is written 10.1.0.0/16. Example: aspire:network: {create: true, cidr: 10.42.0.0/16}",
    ],
  );
  assert.deepEqual(
    create("999.1.1.1/99").errors.map((e) => `${e.field}: ${e.message}`),
    [
      "aspire:network.cidr: 999.1.1.1/99 is not an IPv4 CIDR. Example: aspire:network: {create: true, cidr: 10.42.0.0/16}",
    ],
  );
  assert.deepEqual(errors({ "aspire:network": "create" }), []);
});
