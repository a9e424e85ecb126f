// `npm run lint:workflows`: action-validator and the wiring checks over every
// action.yml, reusable workflow and example (the same checks `npm test` runs).
import { relative } from "node:path";
import { actionlint, actionValidator, isWorkflow, ROOT, wiringProblems, yamlFiles } from "../test/workflows/lint";

let failed = 0;
for (const file of yamlFiles()) {
  const linted = isWorkflow(file) ? await actionlint(file) : [];
  const problems = [actionValidator(file), ...linted, ...wiringProblems(file)].filter(Boolean);
  console.log(`${problems.length === 0 ? "ok  " : "FAIL"} ${relative(ROOT, file)}`);
  for (const p of problems) console.log(`     ${p}`);
  if (problems.length > 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
