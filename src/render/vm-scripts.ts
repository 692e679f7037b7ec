// The scripts that run on the VM (./vm/*.sh, *.py) are plain files in the repository, checked by
// shellcheck and tested against fakes; the renderer embeds them in the user data as they are.
import * as fs from "node:fs";
import * as path from "node:path";

export const VM_SCRIPTS = ["bootstrap.sh", "apply.sh", "fetch-secrets.py"] as const;
export type VmScript = (typeof VM_SCRIPTS)[number];

let root: string | undefined;

/** The repository root (where package.json is), from src/render or dist/src/render alike. */
function packageRoot(): string {
  if (root) return root;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "package.json")) && fs.existsSync(path.join(dir, "src/render/vm"))) return (root = dir);
    if (path.dirname(dir) === dir) throw new Error(`aspire-arm: cannot find src/render/vm above ${__dirname}; reinstall the package.`);
  }
}

const cache = new Map<VmScript, string>();

export function vmScript(name: VmScript): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = fs.readFileSync(path.join(packageRoot(), "src/render/vm", name), "utf8");
    cache.set(name, text);
  }
  return text;
}
