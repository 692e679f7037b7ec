// Lists the mutants that survived (or no test reached) in StrykerJS JSON reports, a line each:
// file:line mutator -> replacement | the source line. Each file from its newest report, as
// mutation-table.mjs takes it: node scripts/mutation-survivors.mjs reports/mutation/*/mutation.json
import { newestFiles } from "./mutation-reports.mjs";

const newest = newestFiles(process.argv.slice(2));
for (const file of [...newest.keys()].sort()) {
  const { source, mutants } = newest.get(file);
  const lines = source.split("\n");
  for (const m of mutants.sort((a, b) => a.location.start.line - b.location.start.line))
    if (m.status === "Survived" || m.status === "NoCoverage") {
      const line = m.location.start.line;
      const replacement = JSON.stringify(m.replacement ?? "").slice(0, 70);
      console.log(
        `${file}:${line} ${m.status === "NoCoverage" ? "(no test) " : ""}${m.mutatorName} -> ${replacement} | ${lines[line - 1].trim().slice(0, 100)}`,
      );
    }
}
