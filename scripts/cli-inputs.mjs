// Embeds every action.yml's inputs (name, description, required, default) into
// src/cli/action-inputs.json, the one source the command line builds its flags
// and its --help from, so the two can never disagree with action.yml.
// `node scripts/cli-inputs.mjs --check` fails when the committed file is stale.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

const root = new URL("..", import.meta.url).pathname;
const target = join(root, "src/cli/action-inputs.json");

function read(file) {
  const doc = parse(readFileSync(join(root, file), "utf8"));
  const inputs = Object.entries(doc.inputs ?? {}).map(([name, spec]) => ({
    name,
    description: String(spec?.description ?? "").trim(),
    required: spec?.required === true || spec?.required === "true",
    ...(spec?.default !== undefined ? { default: String(spec.default) } : {}),
  }));
  return { file, description: String(doc.description ?? "").trim(), inputs };
}

export function generate() {
  const actions = { "ecs-alb-smoke": read("action.yml") };
  for (const name of readdirSync(join(root, "actions")).sort()) {
    const file = join("actions", name, "action.yml");
    if (existsSync(join(root, file))) actions[name] = read(file);
  }
  return `${JSON.stringify(actions, null, 2)}\n`;
}

const text = generate();
if (process.argv.includes("--check")) {
  const current = existsSync(target) ? readFileSync(target, "utf8") : "";
  if (current !== text) {
    console.error("src/cli/action-inputs.json is out of date with action.yml: run `node scripts/cli-inputs.mjs`.");
    process.exit(1);
  }
} else {
  writeFileSync(target, text);
}
