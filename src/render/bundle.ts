// A VM's release bundle: its app config files as one canonical JSON document, gzip'ed. The
// release id is the first 16 hex digits of the SHA-256 of the JSON; release.py (on the VM)
// recomputes it from the same canonical form (sorted keys, no spaces, UTF-8) before it unpacks a
// bundle into /var/lib/aspire-arm/releases/<id>/.
import * as crypto from "node:crypto";
import * as zlib from "node:zlib";
import type { ConfigFile } from "./app-config";

export const BUNDLE_FORMAT = "aspire-arm-bundle/1";

export interface Bundle {
  /** 16 hex digits: the release's name on the VM. */
  readonly id: string;
  /** The canonical JSON. */
  readonly json: string;
  /** The JSON gzip'ed, as it is delivered. */
  readonly gz: Buffer;
}

export function renderBundle(
  files: readonly ConfigFile[],
  meta: { readonly stack: string; readonly vm: string },
): Bundle {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (let i = 1; i < sorted.length; i++)
    if (sorted[i].path === sorted[i - 1].path)
      throw new Error(`renderBundle: two files at ${sorted[i].path}`);
  // Keys in sorted order, as Python's json.dumps(sort_keys=True) writes them.
  const doc = {
    files: sorted.map((f) =>
      f.encoding === "base64"
        ? { base64: f.content, mode: f.permissions, path: f.path }
        : { mode: f.permissions, path: f.path, text: f.content },
    ),
    format: BUNDLE_FORMAT,
    stack: meta.stack,
    vm: meta.vm,
  };
  const json = JSON.stringify(doc);
  const id = crypto.createHash("sha256").update(json, "utf8").digest("hex").slice(0, 16);
  return { id, json, gz: zlib.gzipSync(Buffer.from(json, "utf8"), { level: 9 }) };
}
