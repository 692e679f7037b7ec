// findJsonError: where JSON text first goes wrong, and why, for the line and column a user sees
// when a manifest is not valid JSON. Valid documents give no error; each kind of mistake is found
// at its first character with its own reason.
import { test } from "node:test";
import assert from "node:assert/strict";
import { findJsonError } from "../../src/manifest/json-error";

test("valid JSON documents have no error, whatever their shape and spacing", () => {
  const valid = [
    "{}",
    "[]",
    "{ }",
    "[ ]",
    '"s"',
    "0",
    "-0.1E-2",
    "12.5e+3",
    "true",
    "false",
    "null",
    "[[]]",
    " [ 1 , 2 ] ",
    '{"a":{}}',
    '\t{\r\n "a" : [1, -2.5e+3, 0, true, false, null, "x\\n\\u00e9\\u00AF\\"\\/\\\\\\b\\f\\r\\t"], "b": {"c": [], "d": [{}]} }\n',
  ];
  for (const text of valid) {
    assert.doesNotThrow(() => JSON.parse(text), text);
    assert.equal(findJsonError(text), undefined, text);
  }
});

test("each mistake is found at its first character, with its reason", () => {
  const cases: [string, number, string][] = [
    ["", 0, "unexpected end of the file, expected a value"],
    ["   ", 3, "unexpected end of the file, expected a value"],
    ["[", 1, "unexpected end of the file, expected a value"],
    ["{", 1, "unexpected end of the file, expected a property name in double quotes"],
    [
      '{"a":1,}',
      7,
      'unexpected "}", expected a property name in double quotes (a trailing comma?)',
    ],
    ["{a:1}", 1, 'unexpected "a", expected a property name in double quotes'],
    ['{"a" 1}', 5, 'unexpected "1", expected ":" after the property name'],
    ['{"a":1 "b":2}', 7, 'unexpected "\\"", expected "," or "}"'],
    ['{"a":1', 6, 'unexpected end of the file, expected "," or "}"'],
    ['{"a":tru}', 5, 'unexpected "t", expected a value'],
    ["[1,]", 3, 'unexpected "]" after a comma (a trailing comma?)'],
    ["[1,\n ]", 5, 'unexpected "]" after a comma (a trailing comma?)'],
    ["[1 2]", 3, 'unexpected "2", expected "," or "]"'],
    ["[1,2", 4, 'unexpected end of the file, expected "," or "]"'],
    ["tru", 0, 'unexpected "t", expected a value'],
    ["fals", 0, 'unexpected "f", expected a value'],
    ["nul", 0, 'unexpected "n", expected a value'],
    ["-", 0, 'unexpected "-", expected a value'],
    // a number starts where the value does: no digits further on make "-x" one
    ["[-x, 1]", 1, 'unexpected "-", expected a value'],
    ["'a'", 0, 'unexpected "\'", expected a value'],
    ['"abc', 4, "a string that is never closed"],
    ['"a\\"', 4, "a string that is never closed"],
    ['"a\nb"', 2, "a control character (such as a raw line break) inside a string"],
    ['"a\tb"', 2, "a control character (such as a raw line break) inside a string"],
    ['"\\x"', 2, "an invalid escape in a string"],
    ['"\\', 3, "a string that is never closed"],
    ['"\\u12G4"', 2, "an invalid \\u escape in a string"],
    ['"\\u12"', 2, "an invalid \\u escape in a string"],
    ["01", 1, 'unexpected "1" after the end of the JSON document'],
    ['{"a":1} x', 8, 'unexpected "x" after the end of the JSON document'],
    ["[1] ]", 4, 'unexpected "]" after the end of the JSON document'],
  ];
  for (const [text, offset, reason] of cases) {
    assert.throws(() => JSON.parse(text), SyntaxError, JSON.stringify(text));
    assert.deepEqual(findJsonError(text), { offset, reason }, JSON.stringify(text));
  }
});

test("an escape inside a string does not end it: the error is found after the string", () => {
  assert.deepEqual(findJsonError('["a\\"b", x]'), {
    offset: 9,
    reason: 'unexpected "x", expected a value',
  });
  assert.deepEqual(findJsonError('["\\u0041\\\\", x]'), {
    offset: 13,
    reason: 'unexpected "x", expected a value',
  });
  assert.deepEqual(findJsonError('{"k\\u00e9y": 1,, }'), {
    offset: 15,
    reason: 'unexpected ",", expected a property name in double quotes',
  });
});

test("nesting deeper than the limit is the mistake, found at the first bracket too many: never a stack overflow", () => {
  assert.deepEqual(findJsonError("[[[[]]]]", 3), {
    offset: 3,
    reason: "more than 3 levels of nesting",
  });
  assert.deepEqual(findJsonError('{"a": [{"b": [1]}]', 4), {
    offset: 18,
    reason: 'unexpected end of the file, expected "," or "}"',
  });
  // Depth is nesting, not count: forty lists side by side are one level below the top.
  const siblings = "[" + "[], ".repeat(40) + "x]";
  assert.deepEqual(findJsonError(siblings, 3), {
    offset: siblings.indexOf("x"),
    reason: 'unexpected "x", expected a value',
  });
  // A million brackets, far past what the stack holds: the default limit stops at the 1001st.
  assert.deepEqual(findJsonError("[".repeat(1_000_000)), {
    offset: 1000,
    reason: "more than 1000 levels of nesting",
  });
});
