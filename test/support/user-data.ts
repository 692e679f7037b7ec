// The cloud-config a VM boots with, from its instance as the program registered it: decoded as
// cloud-init decodes it (gzip, and base64 on GCP metadata).
import * as zlib from "node:zlib";
import type { RecordedResource } from "../../src/cli/mock-program";

export function userData(instance: RecordedResource): string {
  if (instance.type === "aws:ec2/instance:Instance")
    return zlib
      .gunzipSync(Buffer.from(String(instance.inputs.userDataBase64), "base64"))
      .toString("utf8");
  const metadata = instance.inputs.metadata as Record<string, string>;
  const text = metadata["user-data"];
  return metadata["user-data-encoding"] === "base64"
    ? zlib.gunzipSync(Buffer.from(text, "base64")).toString("utf8")
    : text;
}
