// Static checks of the VM scripts, as they are and as the renderer embeds them (compacted):
// shellcheck at its strictest level, bash -n, python3 compile.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { VM_SCRIPTS } from "../../src/render/vm-scripts";
import { compactedDir, repoRoot, sourceDir } from "./support";

for (const [label, vmDir] of [
  ["original", sourceDir],
  ["compacted", compactedDir()],
] as const) {
  describe(`VM scripts (${label})`, () => {
    const shellScripts = ["bootstrap.sh", "apply.sh", "rollout.sh", "rollout-apply.sh"].map((f) =>
      path.join(vmDir, f),
    );

    test("shellcheck -S style finds nothing in bootstrap.sh, apply.sh, rollout.sh and rollout-apply.sh", () => {
      const r = spawnSync("shellcheck", ["-S", "style", "-s", "bash", ...shellScripts], {
        encoding: "utf8",
      });
      assert.equal(r.error, undefined, "shellcheck must be installed (apt-get install shellcheck)");
      assert.equal(r.stdout + r.stderr, "");
      assert.equal(r.status, 0);
    });

    test("scripts start with a bash shebang and set -euo pipefail, and parse with bash -n", () => {
      for (const file of shellScripts) {
        const text = fs.readFileSync(file, "utf8");
        assert.ok(text.startsWith("#!/usr/bin/env bash\n"), path.basename(file));
        assert.match(text, /^set -euo pipefail$/m);
        const r = spawnSync("bash", ["-n", file], { encoding: "utf8" });
        assert.equal(r.status, 0, r.stderr);
      }
    });

    test("the Python scripts compile and have a python3 shebang", () => {
      const python = VM_SCRIPTS.filter((f) => f.endsWith(".py"));
      assert.equal(python.length, 7);
      for (const file of python.map((f) => path.join(vmDir, f))) {
        assert.ok(fs.readFileSync(file, "utf8").startsWith("#!/usr/bin/env python3\n"));
        const r = spawnSync(
          "python3",
          [
            "-c",
            "import sys; compile(open(sys.argv[1], encoding='utf-8').read(), sys.argv[1], 'exec')",
            file,
          ],
          { encoding: "utf8" },
        );
        assert.equal(r.status, 0, r.stderr);
      }
    });
  });
}

test("shellcheck directives are targeted and explained, never blanket disables", () => {
  for (const file of VM_SCRIPTS.filter((f) => f.endsWith(".sh")).map((f) =>
    path.join(sourceDir, f),
  )) {
    const lines = fs.readFileSync(file, "utf8").split("\n");
    const directives = lines.filter((l) => /#\s*shellcheck\s/.test(l));
    for (const d of directives) {
      assert.match(
        d,
        /#\s*shellcheck (disable=SC\d{4}|source=\S+) # \S.{10,}/,
        `${path.basename(file)}: "${d.trim()}" needs a reason`,
      );
    }
    assert.ok(!lines.some((l) => /shellcheck\s+disable=all/.test(l)));
  }
});

test("the VM test harness's shell scripts and .ci/run pass shellcheck -S style", () => {
  const harness = ["test/vm", "test/vm/guest-tools", "test/vm/image"].flatMap((d) =>
    fs
      .readdirSync(path.join(repoRoot, d))
      .filter((f) => f.endsWith(".sh"))
      .map((f) => path.join(repoRoot, d, f)),
  );
  assert.ok(harness.length >= 5, `found ${harness.length} harness scripts`);
  const r = spawnSync("shellcheck", ["-S", "style", ...harness, path.join(repoRoot, ".ci/run")], {
    encoding: "utf8",
  });
  assert.equal(r.stdout + r.stderr, "");
  assert.equal(r.status, 0);
});
