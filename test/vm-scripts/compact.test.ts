// compactScript: what the renderer embeds in the user data. Samples with the constructs that a
// line-based compactor could get wrong run the same before and after; the real scripts keep their
// meaning (Python: the same syntax tree but docstrings) and fit the user data budget.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { compactScript, vmScript, VM_SCRIPTS, type VmScript } from "../../src/render/vm-scripts";
import { sourceDir } from "./support";

/** stdout of running text with the interpreter (from a temp file). */
function run(interpreter: string, text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aspire-compact-"));
  try {
    const file = path.join(dir, "script");
    fs.writeFileSync(file, text);
    const r = spawnSync(interpreter, [file], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const BASH_SAMPLE = String.raw`#!/usr/bin/env bash
# A comment.
set -euo pipefail

    # An indented comment.
arr=(a b c) # trailing comment
echo "count ${"${"}#arr[@]} args $# hash a#b 'x # y'" # another
echo 'single # not a comment'
echo a\ #b
multi='first line
# not a comment, in a string

    indented, in a string'
printf '%s\n' "$multi"
dq="one $(echo "two # three" # a comment inside $(...)
) four
  # still the string"
echo "$dq"
echo a \
  # a comment after a continuation: the line must stay
echo $'ansi \' # quoted' # comment
case "x" in
  x) echo "case ok" ;; # comment
  *) echo no ;;
esac
cat <<<"here string # kept"
# shellcheck disable=SC2016 # the reason goes, the directive stays
echo '$HOME'
if true; then
    # shellcheck disable=SC2034 # indented: the directive stays too, unindented
    unused=1
fi
echo ${"`"}echo "tick # not a comment"${"`"} # a comment after backticks
echo ${"`"}echo tick # a comment inside backticks ends there${"`"} tock
p=${"${"}HOME:+'x # y'} # a comment after an expansion holding a quoted #
echo "$p" $(( (1 + 2) * 3 )) $(echo "(" ) # a comment after parentheses
echo a\  # an escaped space, then a comment: the line must not end in a backslash
echo next
echo 'a\' # a backslash escapes nothing in single quotes, unlike $'...'
# Last: no quote after it may pair with one a misreading leaves open.
r=${"${"}HOME:+'a}b'} # a quoted } does not end the expansion
echo "$r"
`;

test("bash: comments, blank lines and indentation go; strings, continuations and directives stay", () => {
  const compacted = compactScript("sample.sh", BASH_SAMPLE);
  assert.equal(run("bash", compacted), run("bash", BASH_SAMPLE));
  const lines = compacted.split("\n");
  assert.equal(lines[0], "#!/usr/bin/env bash");
  assert.ok(!compacted.includes("A comment."));
  assert.ok(
    !compacted.includes("trailing comment") &&
      !compacted.includes("# another") &&
      !compacted.includes("inside $(...)"),
  );
  assert.ok(lines.includes("arr=(a b c)"));
  assert.ok(
    lines.includes("# not a comment, in a string") &&
      lines.includes("") &&
      lines.includes("    indented, in a string'"),
  );
  assert.ok(lines.includes('  # still the string"'));
  assert.ok(lines.includes("  # a comment after a continuation: the line must stay"));
  assert.ok(lines.includes("echo a\\ #b"));
  assert.ok(lines.includes("# shellcheck disable=SC2016"));
  assert.ok(lines.includes("# shellcheck disable=SC2034"));
  assert.equal(
    compactScript("sample.sh", compacted),
    compacted,
    "compacting twice changes nothing",
  );
});

test("bash: heredocs and unterminated strings are refused", () => {
  assert.throws(
    () => compactScript("h.sh", "#!/bin/bash\ncat <<EOF\n# x\nEOF\n"),
    /heredocs are not supported/,
  );
  assert.throws(() => compactScript("q.sh", "#!/bin/bash\necho 'open\n"), /ends inside a string/);
  assert.throws(() => compactScript("s.sh", '#!/bin/bash\nx="$(echo a\n'), /ends inside/);
});

const PYTHON_SAMPLE = String.raw`#!/usr/bin/env python3
"""Module docstring."""
# A comment.
import sys


class OnlyDoc(Exception):
    """Only a docstring: becomes pass."""


class Documented:
    r"""Raw docstring \d."""

    value = 1  # trailing comment

    def method(self):
        '''Single-quoted triple docstring.'''
        return self.value


def text():
    """Docstring
    on two lines."""
    block = """first
# not a comment, in a string

    indented, in a string"""
    return block


def expression():
    """Not dropped: the string is followed by a method call.""".strip()
    data = {
        "key":
        # a comment inside brackets
            "value # not a comment",
    }
    total = 1 + \
        2
    joined = "one \
# not a comment, in a continued string"
    return data, total, joined, f"{data['key']!r} # {'x'}"


if __name__ == "__main__":
    assert OnlyDoc.__doc__ is None or OnlyDoc.__doc__.startswith("Only")
    print(Documented().method(), repr(text()), expression())
    print(sys.argv[0] != "")
`;

test("python: comments, blank lines and docstrings go, blocks keep their shape; strings stay", () => {
  const compacted = compactScript("sample.py", PYTHON_SAMPLE);
  assert.equal(run("python3", compacted), run("python3", PYTHON_SAMPLE));
  const lines = compacted.split("\n");
  assert.equal(lines[0], "#!/usr/bin/env python3");
  for (const gone of [
    "Module docstring",
    "Only a docstring",
    "Raw docstring",
    "Single-quoted",
    "on two lines",
    "A comment.",
    "trailing comment",
    "inside brackets",
  ])
    assert.ok(!compacted.includes(gone), gone);
  assert.ok(
    lines.includes("class OnlyDoc(Exception):") &&
      lines[lines.indexOf("class OnlyDoc(Exception):") + 1] === " pass",
  );
  assert.ok(
    lines.includes("# not a comment, in a string") &&
      lines.includes("") &&
      lines.includes('    indented, in a string"""'),
  );
  assert.ok(compacted.includes('"value # not a comment"'));
  assert.ok(compacted.includes("Not dropped"));
  assert.ok(
    lines.includes(" total = 1 + \\") && lines.includes("        2"),
    "a continued line stays as it is",
  );
});

test("python: indentation other than four spaces a level and unterminated strings are refused", () => {
  assert.throws(
    () => compactScript("t.py", "if True:\n\tx = 1\n"),
    /^Error: compactScript: t\.py:2: indentation is not a multiple of four spaces$/,
  );
  assert.throws(() => compactScript("s.py", "if True:\n  x = 1\n"), /indentation/);
  assert.throws(
    () => compactScript("u.py", 'x = "open\n'),
    /^Error: compactScript: u\.py:1: unterminated string$/,
  );
  assert.throws(() => compactScript("b.py", "x = (1,\n"), /ends inside/);
  assert.throws(() => compactScript("d.py", 'x = """open\n'), /ends inside a string/);
});

for (const script of VM_SCRIPTS.filter((n) => n.endsWith(".py")))
  test(`${script} compacted has the same syntax tree as the original without its docstrings`, () => {
    const code = [
      "import ast, sys",
      "def tree(path, drop_docstrings):",
      "    t = ast.parse(open(path, encoding='utf-8').read())",
      "    for n in ast.walk(t):",
      "        body = getattr(n, 'body', None)",
      "        if drop_docstrings and isinstance(body, list) and body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):",
      "            n.body = body[1:] or [ast.Pass()]",
      "    return ast.dump(t)",
      "print(tree(sys.argv[1], True) == tree(sys.argv[2], False))",
    ].join("\n");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aspire-compact-"));
    try {
      const compacted = path.join(dir, script);
      fs.writeFileSync(
        compacted,
        compactScript(script, fs.readFileSync(path.join(sourceDir, script), "utf8")),
      );
      const r = spawnSync("python3", ["-c", code, path.join(sourceDir, script), compacted], {
        encoding: "utf8",
      });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout.trim(), "True");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

test("vmScript embeds the compacted scripts, which gzip to well under the user data budget", () => {
  const original = VM_SCRIPTS.map((n) => fs.readFileSync(path.join(sourceDir, n), "utf8"));
  const compacted = VM_SCRIPTS.map((n, i) => compactScript(n, original[i]));
  VM_SCRIPTS.forEach((n, i) => assert.equal(vmScript(n), compacted[i], n));
  const gzip = (texts: string[]) =>
    zlib.gzipSync(Buffer.from(texts.join(""), "utf8"), { level: 9 }).length;
  // EC2 takes 16 KB of gzipped user data. The user data carries only what receives releases
  // (bootstrap.sh, rollout.sh, release.py, and the cloud's own: cloud-http.py on AWS, gce-agent.py
  // on GCP); what applies a release travels in it (src/render/user-data.ts).
  for (const own of ["cloud-http.py", "gce-agent.py"] as const) {
    const names: VmScript[] = ["bootstrap.sh", "rollout.sh", "release.py", own];
    const userData = names.map((n) => vmScript(n));
    assert.ok(
      gzip(userData) <= 7.5 * 1024,
      `the compacted scripts of a VM's user data with ${own} gzip to ${gzip(userData)} bytes`,
    );
  }
  assert.ok(
    gzip(compacted) < 0.7 * gzip(original),
    `${gzip(compacted)} vs ${gzip(original)} bytes`,
  );
});

test("compacting leaves no blanks before a comment it removes, no indentation inside Python brackets, and one final newline", () => {
  const py = compactScript(
    "sample.py",
    [
      "def f():",
      "    x = [  # a comment after spaces",
      "        1,",
      "        2,",
      "    ]",
      "    return x",
      "",
    ].join("\n"),
  );
  assert.equal(py, "def f():\n x = [\n1,\n2,\n]\n return x\n");
  const sh = compactScript("sample.sh", "#!/bin/sh\n  echo a   # spaces, then a comment\n");
  assert.equal(sh, "#!/bin/sh\necho a\n");
  // The real scripts: each ends in exactly one newline and no line ends in a blank.
  for (const name of VM_SCRIPTS) {
    const text = vmScript(name);
    assert.ok(text.endsWith("\n") && !text.endsWith("\n\n"), name);
    const trailing = text.split("\n").findIndex((l) => /[ \t]$/.test(l));
    assert.equal(trailing, -1, `${name}:${trailing + 1} ends in a blank`);
  }
});
