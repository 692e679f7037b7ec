// The files of StrykerJS JSON reports (mutation-testing-report-schema), each from the newest report
// that measured it: a stage's run, then a later run of some of its files (MUTATE_FILES).
import fs from "node:fs";

/** file -> its report entry ({ source, mutants }), from the newest of `paths` that has it. */
export function newestFiles(paths) {
  const newest = new Map();
  const reports = paths.filter((r) => fs.existsSync(r));
  reports.sort((a, b) => fs.statSync(a).mtimeMs - fs.statSync(b).mtimeMs);
  for (const report of reports)
    for (const [file, data] of Object.entries(JSON.parse(fs.readFileSync(report, "utf8")).files))
      newest.set(file, data);
  return newest;
}
