// The ingress rules' sources as the policies read them (policies/ingress.ts, on
// src/config/cidr.ts): the whole internet, and which CIDRs lie within the SSH CIDRs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { noOpenIngress } from "../../policies";
import { cidrWithin, isWorld, mayBeWorld } from "../../policies/ingress";
import { ctx, found, ingressRule } from "./support";

test("isWorld: any /0 of either family, around white space; mayBeWorld also a source that is not a CIDR but ends in /0", () => {
  for (const world of ["0.0.0.0/0", "::/0", " 0.0.0.0/0 ", "1.2.3.4/0", "2001:db8::/0"])
    assert.ok(isWorld(world) && mayBeWorld(world), world);
  for (const not of ["10.0.0.0/8", "0.0.0.0/1", "0.0.0.0", "::/1", "203.0.113.7"])
    assert.ok(!isWorld(not) && !mayBeWorld(not), not);
  // Not CIDRs: the cloud would refuse them, but a rule that opens to one is read as open to all,
  // and a deny from one is not read as a deny of all.
  for (const odd of ["00.0.0.0/0", "0.0.0.0/00", "999.0.0.0/0"])
    assert.ok(!isWorld(odd) && mayBeWorld(odd), odd);
  assert.deepEqual(
    found(
      noOpenIngress(
        [
          ingressRule("odd", {
            ipProtocol: "tcp",
            fromPort: 5432,
            toPort: 5432,
            cidrIpv4: "00.0.0.0/0",
          }),
        ],
        ctx,
      ),
    ),
    ["no-open-ingress odd"],
  );
});

test("cidrWithin: containment in the same family, host bits read as their block, bare addresses, and odd text only equal to itself", () => {
  assert.ok(cidrWithin("203.0.113.7/32", "203.0.113.0/24"));
  assert.ok(cidrWithin("203.0.113.7", "203.0.113.0/24"), "a bare address is its own /32");
  assert.ok(cidrWithin(" 203.0.113.0/25 ", "203.0.113.0/24"));
  assert.ok(cidrWithin("203.0.113.200/25", "203.0.113.0/24"));
  assert.ok(!cidrWithin("203.0.113.0/23", "203.0.113.0/24"));
  assert.ok(cidrWithin("2001:db8:1::/48", "2001:db8::/32"));
  assert.ok(
    !cidrWithin("::ffff:203.0.113.7/128", "203.0.113.0/24"),
    "an IPv4-mapped IPv6 source is not an IPv4 one",
  );
  assert.ok(!cidrWithin("10.0.0.0/8", "::/0"));
  assert.ok(
    cidrWithin("010.0.0.1/32", "010.0.0.1/32"),
    "text that is not a CIDR matches only itself",
  );
  assert.ok(!cidrWithin("010.0.0.1/32", "10.0.0.0/8"));
});
