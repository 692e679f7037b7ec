// `aspire-arm` in-process: main() from the compiled CLI with captured output. main() answers a
// number or a promise of one (plan runs the Pulumi program under mocks); both are awaited alike.
// Runs in an empty working folder, so that no Pulumi.<stack>.yaml of the repository is read.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main } from "../../src/cli/main";

export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

const emptyCwd = fs.mkdtempSync(path.join(os.tmpdir(), "aspire-arm-cwd-"));

export async function cli(...argv: string[]): Promise<CliRun> {
  let out = "";
  let err = "";
  const before = process.cwd();
  process.chdir(emptyCwd);
  try {
    const code = await main(
      argv,
      (t) => (out += t),
      (t) => (err += t),
    );
    return { code, out, err };
  } finally {
    process.chdir(before);
  }
}
