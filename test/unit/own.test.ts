// Records keyed by manifest names: `own` answers only a record's own keys, `setOwn` makes any name
// (even __proto__) an ordinary own entry that reads, lists, serialises, changes and deletes like
// any other.
import { test } from "node:test";
import assert from "node:assert/strict";
import { own, setOwn } from "../../src/manifest";

test("own: a record's own keys only, never Object.prototype's members; undefined for no record", () => {
  const record: Record<string, string> = { api: "x", constructor: "y" };
  assert.equal(own(record, "api"), "x");
  assert.equal(own(record, "constructor"), "y");
  assert.equal(own({ api: "x" }, "constructor"), undefined);
  assert.equal(own({ api: "x" }, "toString"), undefined);
  assert.equal(own({ api: "x" }, "__proto__"), undefined);
  assert.equal(own(undefined, "api"), undefined);
});

test("setOwn: __proto__ becomes an own entry that lists, serialises, changes and deletes like any other", () => {
  const record: Record<string, string> = {};
  setOwn(record, "__proto__", "first");
  setOwn(record, "api", "a");
  assert.equal(Object.getPrototypeOf(record), Object.prototype, "the prototype is untouched");
  assert.equal(own(record, "__proto__"), "first");
  assert.deepEqual(Object.keys(record), ["__proto__", "api"]);
  assert.equal(JSON.stringify(record), '{"__proto__":"first","api":"a"}');
  // Writable: a second setOwn and a plain assignment of another key both take.
  setOwn(record, "__proto__", "second");
  assert.equal(own(record, "__proto__"), "second");
  record.api = "b";
  assert.equal(own(record, "api"), "b");
  // Configurable: it can be deleted.
  assert.equal(delete (record as Record<string, unknown>)["__proto__"], true);
  assert.equal(own(record, "__proto__"), undefined);
  assert.deepEqual(Object.keys(record), ["api"]);
});
