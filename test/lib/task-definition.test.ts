import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readPreflightInputs } from "../../src/actions/iam-simulate-preflight/inputs";
import { readDriftInputs } from "../../src/actions/secrets-rds-drift/inputs";
import { InputError } from "../../src/lib/errors";
import { parseTaskDefinitionRef, readTaskDefinitionFile, TASK_DEFINITION_REF_FIX } from "../../src/lib/task-definition";

const TD = { family: "papyrus-task", containerDefinitions: [{ name: "web", image: "papyrus:1" }] };

function fileWith(content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "td-")), "task-definition.json");
  writeFileSync(path, content);
  return path;
}

function failureOf(content: string, annotateAs?: string): InputError {
  try {
    readTaskDefinitionFile("task-definition", fileWith(content), "deploy/td.json", annotateAs);
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error("readTaskDefinitionFile accepted it");
}

const NOT_A_TASK_DEFINITION =
  "Input 'task-definition': deploy/td.json has no 'containerDefinitions' list: expected a task definition (or the output of aws ecs describe-task-definition).";

describe("readTaskDefinitionFile", () => {
  it("reads a plain task definition: the document itself, its text, at the file's top", () => {
    const text = JSON.stringify(TD, null, 2);
    const read = readTaskDefinitionFile("task-definition", fileWith(text), "deploy/td.json");
    expect(read).toEqual({ taskDefinition: TD, text, at: [] });
  });

  it("unwraps the output of aws ecs describe-task-definition and says where the task definition sits", () => {
    const text = JSON.stringify({ taskDefinition: TD, tags: [] }, null, 2);
    const read = readTaskDefinitionFile("task-definition", fileWith(text), "deploy/td.json");
    expect(read).toEqual({ taskDefinition: TD, text, at: ["taskDefinition"] });
  });

  it("a taskDefinition key that is not an object is no wrapper: the top level must be the task definition", () => {
    const plain = { ...TD, taskDefinition: "papyrus-task:3" };
    const read = readTaskDefinitionFile("task-definition", fileWith(JSON.stringify(plain)), "deploy/td.json");
    expect(read.taskDefinition).toEqual(plain);
    expect(read.at).toEqual([]);
    expect(failureOf(JSON.stringify({ taskDefinition: ["x"] })).message).toBe(NOT_A_TASK_DEFINITION);
  });

  it("not JSON: an input error naming the input and the line and column, never the text, annotated when asked", () => {
    const bad = '{\n  "family": "hunter2",\n  "containerDefinitions": [] x\n}\n';
    const error = failureOf(bad, "deploy/td.json");
    expect(error.input).toBe("task-definition");
    expect(error.message).toMatch(
      /^Input 'task-definition': deploy\/td\.json is not valid JSON at line 3, column 30\b/,
    );
    expect(error.message).not.toContain("hunter2");
    expect(error.at).toEqual({ file: "deploy/td.json", line: 3, column: 30 });
    expect(failureOf(bad).at).toBeUndefined();
  });

  it.each([
    ["an array", JSON.stringify([TD])],
    ["a string", JSON.stringify("papyrus-task:3")],
    ["null", "null"],
    ["an object without containerDefinitions", JSON.stringify({ family: "papyrus-task" })],
    ["containerDefinitions that is not a list", JSON.stringify({ family: "papyrus-task", containerDefinitions: {} })],
    ["a wrapper without containerDefinitions", JSON.stringify({ taskDefinition: { family: "papyrus-task" } })],
  ])("%s: an input error saying what was expected", (_, content) => {
    const error = failureOf(content);
    expect(error.input).toBe("task-definition");
    expect(error.message).toBe(NOT_A_TASK_DEFINITION);
  });

  it.each([
    [
      "a revision that is not a number (a fork's markdown)",
      { ...TD, revision: "3 approved by @octo-org/security-team [signed](https://evil.example)\n## Safe to merge" },
      "revision is a string; ECS expects a whole number there",
    ],
    ["a fractional revision", { ...TD, revision: 2.5 }, "revision is a number; ECS expects a whole number there"],
    [
      "secrets that is a string",
      { ...TD, containerDefinitions: [{ name: "web", secrets: "arn:aws:secretsmanager:x" }] },
      "containerDefinitions[0].secrets is a string; ECS expects a list there",
    ],
    [
      "a valueFrom that is a number",
      {
        ...TD,
        containerDefinitions: [
          { name: "web" },
          { name: "db", secrets: [{ name: "A", valueFrom: "a" }, { valueFrom: 7 }] },
        ],
      },
      "containerDefinitions[1].secrets[1].valueFrom is a number; ECS expects a string there",
    ],
    [
      "a log option that is an object",
      {
        ...TD,
        containerDefinitions: [{ logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": {} } } }],
      },
      "containerDefinitions[0].logConfiguration.options.awslogs-group is an object; ECS expects a string there",
    ],
    [
      "a secret that is null",
      { ...TD, containerDefinitions: [{ name: "web", secrets: [null] }] },
      "containerDefinitions[0].secrets[0] is null; ECS expects an object there",
    ],
    [
      "a container that is null",
      { ...TD, containerDefinitions: [null] },
      "containerDefinitions[0] is null; ECS expects an object there",
    ],
    [
      "a container that is a string",
      { ...TD, containerDefinitions: ["web"] },
      "containerDefinitions[0] is a string; ECS expects an object there",
    ],
    [
      "a containerPort that is a string",
      { ...TD, containerDefinitions: [{ portMappings: [{ containerPort: "8080" }] }] },
      "containerDefinitions[0].portMappings[0].containerPort is a string; ECS expects a whole number there",
    ],
  ])("%s: an input error naming the field and the types, never the value", (_, doc, problem) => {
    const text = JSON.stringify({ taskDefinition: doc }, null, 2);
    const error = failureOf(text, "deploy/td.json");
    expect(error.input).toBe("task-definition");
    expect(error.message).toBe(
      `Input 'task-definition': deploy/td.json: ${problem}. Fix that field: ECS registers only a task definition whose fields have the types of its API (RegisterTaskDefinition).`,
    );
    expect(error.message).not.toMatch(/@octo-org|evil\.example|arn:aws|awslogs"|8080/);
    // Annotated on the line of the field: the value that is refused.
    const last = problem.split(" ")[0]?.match(/([A-Za-z-]+)(\[\d+\])?$/);
    const key = last?.[2] ? undefined : `"${last?.[1]}":`;
    const lines = text.split("\n");
    expect(error.at?.file).toBe("deploy/td.json");
    const line = error.at?.line ?? 0;
    if (key) expect(lines[line - 1]).toContain(key);
    else expect(lines[line - 1]).toMatch(/^\s*("web"|null)/);
  });

  it("null counts as absent, and fields the suite does not read are not checked", () => {
    const doc = {
      ...TD,
      revision: null,
      cpu: 256,
      containerDefinitions: [{ name: "web", secrets: null, ulimits: "x" }],
    };
    expect(readTaskDefinitionFile("task-definition", fileWith(JSON.stringify(doc)), "td.json").taskDefinition).toEqual(
      doc,
    );
  });

  it("any JSON where a task definition's fields go: read, or refused with an input error; read means ECS's types", () => {
    const json = fc.jsonValue({ maxDepth: 3 });
    const container = fc.record(
      {
        name: json,
        secrets: fc.oneof(
          json,
          fc.array(fc.record({ name: json, valueFrom: json }, { requiredKeys: [] }), { maxLength: 3 }),
        ),
        logConfiguration: fc.oneof(json, fc.record({ options: fc.dictionary(fc.string(), json, { maxKeys: 3 }) })),
        portMappings: fc.oneof(json, fc.array(fc.record({ containerPort: json }), { maxLength: 2 })),
      },
      { requiredKeys: [] },
    );
    const doc = fc.record(
      { family: json, revision: json, containerDefinitions: fc.array(fc.oneof(container, json), { maxLength: 3 }) },
      { requiredKeys: ["containerDefinitions"] },
    );
    fc.assert(
      fc.property(doc, (d) => {
        let read: Record<string, unknown> | undefined;
        try {
          read = readTaskDefinitionFile("task-definition", fileWith(JSON.stringify(d)), "td.json").taskDefinition;
        } catch (error) {
          expect(error).toBeInstanceOf(InputError);
          return;
        }
        const absent = (v: unknown) => v === null || v === undefined;
        expect(absent(read.family) || typeof read.family === "string").toBe(true);
        expect(absent(read.revision) || Number.isSafeInteger(read.revision)).toBe(true);
        for (const c of read.containerDefinitions as unknown[]) {
          expect(typeof c === "object" && c !== null && !Array.isArray(c)).toBe(true);
          const secrets = (c as { secrets?: unknown }).secrets;
          expect(absent(secrets) || Array.isArray(secrets)).toBe(true);
          for (const s of Array.isArray(secrets) ? secrets : []) {
            expect(typeof s === "object" && s !== null).toBe(true);
            const v = (s as { valueFrom?: unknown }).valueFrom;
            expect(absent(v) || typeof v === "string").toBe(true);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it("names the input it is given", () => {
    expect(() => readTaskDefinitionFile("rendered", fileWith("{}"), "td.json")).toThrow(/^Input 'rendered': td\.json /);
  });
});

describe("parseTaskDefinitionRef: the one reader of a task definition reference (issue 12 §3)", () => {
  const workspace = realpathSync(mkdtempSync(join(tmpdir(), "td-ref-")));
  mkdirSync(join(workspace, "deploy"));
  writeFileSync(join(workspace, "deploy/td.json"), JSON.stringify(TD));
  const roots = { workspace };
  const parse = (raw: string) => parseTaskDefinitionRef("task-definition", raw, roots);
  const problemOf = (raw: string): string => {
    try {
      parse(raw);
    } catch (error) {
      if (error instanceof InputError) return error.message;
      throw error;
    }
    throw new Error(`accepted ${raw}`);
  };

  it.each([
    "papyrus-task",
    "papyrus-task:1",
    "papyrus_task-2:42",
    "a".repeat(255),
    `${"a".repeat(255)}:7`,
    "arn:aws:ecs:us-west-2:123456789012:task-definition/papyrus-task:3",
    "arn:aws-cn:ecs:cn-north-1:123456789012:task-definition/papyrus-task:3",
    "arn:aws-us-gov:ecs:us-gov-west-1:123456789012:task-definition/papyrus_task-2:12",
  ])("%s is a registered task definition, passed to ECS as given", (raw) => {
    expect(parse(raw)).toEqual({ kind: "registered", id: raw });
  });

  it("a file in the workspace is read as a file, named by its workspace path", () => {
    expect(parse("deploy/td.json")).toEqual({
      kind: "file",
      path: join(workspace, "deploy/td.json"),
      display: "deploy/td.json",
    });
  });

  it.each([
    ["papyrus-task:0", "revision 0 does not exist: ECS numbers revisions from 1"],
    ["papyrus-task:latest", "revision 'latest' is not a whole number of 1 or more"],
    ["papyrus-task:", "revision '' is not a whole number of 1 or more"],
    ["papyrus-task:01", "revision '01' is not a whole number of 1 or more"],
    ["papyrus-task:1:2", "revision '1:2' is not a whole number of 1 or more"],
    ["a".repeat(256), "a family name is at most 255 characters (this one has 256)"],
    ["papyrus task", "a family name holds only letters, digits, hyphens and underscores"],
    ["missing/taskdef.json", "there is no such file (a family name has no '/' or '.')"],
    [
      "arn:aws:ecs:us-west-2:123456789012:task-definition/papyrus-task",
      "a task definition ARN ends with its revision (…/papyrus-task:<revision>)",
    ],
    [
      "arn:aws:ecs:us-west-2:123456789012:task-definition/papyrus-task:0",
      "revision 0 does not exist: ECS numbers revisions from 1",
    ],
    [
      "arn:aws:ecs:us-west-2:12345:task-definition/papyrus-task:1",
      "not a task definition ARN (arn:aws[-cn|-us-gov]:ecs:<region>:<12-digit account>:task-definition/<family>:<revision>)",
    ],
    [
      "arn:aws:iam::123456789012:role/papyrus-task:1",
      "not a task definition ARN (arn:aws[-cn|-us-gov]:ecs:<region>:<12-digit account>:task-definition/<family>:<revision>)",
    ],
  ])("%s is refused: the input, what was wrong and what to do", (raw, problem) => {
    const message = problemOf(raw);
    expect(message).toBe(
      `Input 'task-definition': '${raw}' is neither a file in the workspace (${workspace}) nor a task definition family, family:revision or ARN: ${problem}. ${TASK_DEFINITION_REF_FIX}`,
    );
  });

  it("keeps the action's input name", () => {
    expect(() => parseTaskDefinitionRef("td", "web:0", roots)).toThrow(/^Input 'td': 'web:0' is neither a file/);
  });

  it("secrets-rds-drift and iam-simulate-preflight read a reference the same way, and refuse it with the same words", () => {
    const env = { GITHUB_WORKSPACE: workspace, AWS_REGION: "us-west-2" };
    const drift = (raw: string) =>
      readDriftInputs((n) => ({ "secret-id": "papyrus/db", "task-definition": raw })[n] ?? "", env).taskDefinition;
    const preflight = (raw: string) =>
      readPreflightInputs((n) => ({ "task-definition": raw })[n] ?? "", env).taskDefinition;
    for (const raw of ["papyrus-task", "papyrus-task:7", "arn:aws:ecs:us-west-2:123456789012:task-definition/web:2"]) {
      expect(drift(raw)).toEqual({ kind: "registered", id: raw });
      expect(preflight(raw)).toEqual({ kind: "registered", id: raw });
    }
    expect(drift("deploy/td.json")).toEqual(preflight("deploy/td.json"));
    for (const raw of ["papyrus-task:0", "papyrus-task:latest", "missing/taskdef.json"]) {
      const message = problemOf(raw);
      expect(() => drift(raw)).toThrow(message);
      expect(() => preflight(raw)).toThrow(message);
    }
  });
});
