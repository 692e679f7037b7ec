// Prints the per-file table of StrykerJS JSON reports (mutation-testing-report-schema) as Markdown,
// the README's form: node scripts/mutation-table.mjs reports/mutation/*/mutation.json
// Score = (killed + timeout) / (killed + timeout + survived + no coverage), as Stryker counts it;
// mutants that did not compile or were ignored are left out of the count.
import { newestFiles } from "./mutation-reports.mjs";

// A file measured by several reports (a stage's, and a later run of some of its files) takes its
// row from the newest report.
const rows = new Map();
for (const [file, { mutants }] of newestFiles(process.argv.slice(2))) {
  const c = { killed: 0, timeout: 0, survived: 0, noCoverage: 0 };
  for (const m of mutants) {
    if (m.status === "Killed") c.killed++;
    else if (m.status === "Timeout") c.timeout++;
    else if (m.status === "Survived") c.survived++;
    else if (m.status === "NoCoverage") c.noCoverage++;
  }
  rows.set(file, c);
}
if (rows.size === 0) {
  console.error("mutation-table: no report found (run npm run mutate first)");
  process.exit(1);
}

const total = { killed: 0, timeout: 0, survived: 0, noCoverage: 0 };
const line = (name, c) => {
  const valid = c.killed + c.timeout + c.survived + c.noCoverage;
  const score = valid === 0 ? "n/a" : `${((100 * (c.killed + c.timeout)) / valid).toFixed(1)}%`;
  return `| ${name} | ${valid} | ${c.killed + c.timeout} | ${c.survived} | ${c.noCoverage} | ${score} |`;
};
console.log("| file | mutants | killed | survived | no coverage | score |");
console.log("|---|---:|---:|---:|---:|---:|");
for (const file of [...rows.keys()].sort()) {
  const c = rows.get(file);
  for (const k of Object.keys(total)) total[k] += c[k];
  console.log(line(file, c));
}
console.log(line("**all**", total));
