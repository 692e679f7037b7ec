// Property test: passwords generated the way the stack generates them (randomPasswordArgs, run
// through the random provider's algorithm) put into the connection strings a manifest builds from
// them (`http://elastic:{password}@host:port`, postgresql://, amqp://) always parse with Node's URL
// parser, keep host and port, and give the user and password back. With @pulumi/random's default
// special characters most of them do not: the control at the end shows the test would see it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomInt } from "node:crypto";
import type * as random from "@pulumi/random";
import { randomPasswordArgs } from "../../components/app-parameters";
import { loadManifest, valueToText, type GenerateOptions, type Value } from "../../src/manifest";
import { buildPlan } from "../../src/plan";
import { fixture } from "../plan/plan-support";

/** The random provider's string generation (terraform-provider-random internal/random/string.go,
 *  CreateString): the min* counts from each class, the rest from every allowed class, shuffled.
 *  Only the character sets matter here; the shuffle is a Fisher-Yates one with crypto randomness. */
const PROVIDER_DEFAULT_SPECIALS = "!@#$%&*()-_=+[]{}<>:?";
function generate(a: random.RandomPasswordArgs): string {
  const n = (v: unknown) => (typeof v === "number" ? v : 0);
  const specials =
    typeof a.overrideSpecial === "string" && a.overrideSpecial !== ""
      ? a.overrideSpecial
      : PROVIDER_DEFAULT_SPECIALS;
  const classes: [boolean, number, string][] = [
    [a.upper !== false, n(a.minUpper), "ABCDEFGHIJKLMNOPQRSTUVWXYZ"],
    [a.lower !== false, n(a.minLower), "abcdefghijklmnopqrstuvwxyz"],
    [a.numeric !== false, n(a.minNumeric), "0123456789"],
    [a.special !== false, n(a.minSpecial), specials],
  ];
  const all = classes
    .filter(([on]) => on)
    .map(([, , chars]) => chars)
    .join("");
  const pick = (chars: string) => chars[randomInt(chars.length)];
  const out: string[] = [];
  for (const [, min, chars] of classes) for (let i = 0; i < min; i++) out.push(pick(chars));
  while (out.length < n(a.length)) out.push(pick(all));
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out.join("");
}

/** The connection strings of the fixture as the consumer `orders` receives them, and the generate
 *  options of each parameter. */
function plannedUrls(): { urls: Record<string, Value>; options: Map<string, GenerateOptions> } {
  const { manifest } = loadManifest(fixture("passwords-in-urls.json"));
  const { plan } = buildPlan(manifest, { cloud: "aws", stack: "dev" });
  const orders = plan.vms.flatMap((v) => v.services).find((s) => s.name === "orders");
  assert.ok(orders);
  const urls = Object.fromEntries(
    Object.entries(orders.env).filter(([k]) => k.startsWith("ConnectionStrings__")),
  );
  const options = new Map(
    plan.parameters.filter((p) => p.generate).map((p) => [p.name, p.generate as GenerateOptions]),
  );
  return { urls, options };
}

interface Shape {
  readonly protocol: string;
  readonly username: string;
  readonly host: string;
  readonly port: string;
  readonly pathname: string;
}

/** Whether the URL text, with `password` in it, parses to the expected shape and gives the password back. */
function roundTrips(text: string, expected: Shape, password: string): boolean {
  try {
    const url = new URL(text);
    return (
      url.protocol === expected.protocol &&
      url.username === expected.username &&
      url.hostname === expected.host &&
      url.port === expected.port &&
      url.pathname === expected.pathname &&
      decodeURIComponent(url.password) === password
    );
  } catch {
    // An invalid URL, or a password with a `%` that is no escape.
    return false;
  }
}

/** Fills every password slot of the URLs with passwords from `make`, `rounds` times, and counts the URLs that break. */
function breakages(
  make: (g: GenerateOptions) => string,
  rounds: number,
): { tried: number; broken: string[] } {
  const { urls, options } = plannedUrls();
  let tried = 0;
  const broken: string[] = [];
  for (const [key, value] of Object.entries(urls)) {
    const slots = value.parts.filter((p) => typeof p !== "string");
    assert.equal(slots.length, 1, `${key}: expected one password in ${JSON.stringify(value)}`);
    const slot = slots[0];
    assert.ok(
      typeof slot !== "string" && options.has(slot.parameter),
      `${key}: ${JSON.stringify(slot)} is not a generated password`,
    );
    const g = options.get(slot.parameter) as GenerateOptions;
    // The URL's shape with a plain word in place of the password.
    const plainUrl = new URL(valueToText(value, () => "word"));
    const expected: Shape = {
      protocol: plainUrl.protocol,
      username: plainUrl.username,
      host: plainUrl.hostname,
      port: plainUrl.port,
      pathname: plainUrl.pathname,
    };
    assert.ok(expected.host && expected.port, `${key}: ${plainUrl.href} has no host or port`);
    for (let i = 0; i < rounds; i++) {
      const password = make(g);
      tried++;
      const text = valueToText(value, () => password);
      if (!roundTrips(text, expected, password)) broken.push(text);
    }
  }
  return { tried, broken };
}

test("the fixture's consumer gets three URL connection strings, each with one generated password in its user info", () => {
  const { urls } = plannedUrls();
  assert.deepEqual(Object.keys(urls).sort(), [
    "ConnectionStrings__broker",
    "ConnectionStrings__db",
    "ConnectionStrings__search",
  ]);
});

test("property: passwords generated with Aspire's characters, in the manifest's URLs, always parse and round-trip user and password (3 x 2000 passwords)", () => {
  const { tried, broken } = breakages((g) => generate(randomPasswordArgs(g)), 2000);
  assert.equal(tried, 6000);
  assert.deepEqual(broken.slice(0, 5), [], `${broken.length} of ${tried} URLs broke`);
});

test("property: the generated passwords honour the generate options (length, allowed classes, minimum counts)", () => {
  const { options } = plannedUrls();
  for (const [name, g] of options) {
    const a = randomPasswordArgs(g);
    for (let i = 0; i < 500; i++) {
      const p = generate(a);
      assert.equal(p.length, a.length, name);
      const count = (re: RegExp) => (p.match(re) ?? []).length;
      if (!g.lower) assert.equal(count(/[a-z]/g), 0, `${name}: ${p}`);
      assert.ok(
        count(/[a-z]/g) >= g.minLower &&
          count(/[A-Z]/g) >= g.minUpper &&
          count(/[0-9]/g) >= g.minNumeric,
        `${name}: ${p}`,
      );
      assert.ok(count(/[^a-zA-Z0-9]/g) >= g.minSpecial, `${name}: ${p}`);
      for (const c of p.replace(/[a-zA-Z0-9]/g, ""))
        assert.ok("-_.{}~()*+!".includes(c), `${name}: ${c} in ${p}`);
    }
  }
});

test("control: with @pulumi/random's default special characters, most of the same URLs break (the bug this guards against)", () => {
  const { tried, broken } = breakages(
    (g) => generate({ ...randomPasswordArgs(g), overrideSpecial: undefined }),
    500,
  );
  assert.ok(broken.length > tried / 2, `only ${broken.length} of ${tried} URLs broke`);
});
