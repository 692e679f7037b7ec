// Endpoints as keys (src/plan/endpoints.ts): a service and a binding, kept apart.
import { test } from "node:test";
import assert from "node:assert/strict";
import { EndpointMap, EndpointSet } from "../../src/plan/endpoints";

test("EndpointMap: a value per (service, binding); names that would join alike stay apart", () => {
  const ports = new EndpointMap<number>();
  ports.set("api", "http", 8080);
  ports.set("api", "https", 8081);
  ports.set("a\u0000b", "c", 1);
  ports.set("a", "b\u0000c", 2);
  ports.set("api", "http", 8090);
  assert.equal(ports.get("api", "http"), 8090);
  assert.equal(ports.get("a\u0000b", "c"), 1);
  assert.equal(ports.get("a", "b\u0000c"), 2);
  assert.equal(ports.get("api", "grpc"), undefined);
  assert.equal(ports.has("web", "http"), false);
  assert.deepEqual(
    [...ports.entries()],
    [
      ["api", "http", 8090],
      ["api", "https", 8081],
      ["a\u0000b", "c", 1],
      ["a", "b\u0000c", 2],
    ],
  );
});

test("EndpointSet: each endpoint once, service by service in the order first added", () => {
  const reached = new EndpointSet();
  reached.add("cache", "tcp");
  reached.add("api", "http");
  reached.add("cache", "tcp");
  reached.add("cache", "metrics");
  assert.equal(reached.has("cache", "tcp"), true);
  assert.equal(reached.has("api", "tcp"), false);
  assert.deepEqual(
    [...reached],
    [
      ["cache", "tcp"],
      ["cache", "metrics"],
      ["api", "http"],
    ],
  );
});
