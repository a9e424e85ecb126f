import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/lib/errors";
import { readTaskDefinitionFile } from "../../src/lib/task-definition";

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

  it("names the input it is given", () => {
    expect(() => readTaskDefinitionFile("rendered", fileWith("{}"), "td.json")).toThrow(/^Input 'rendered': td\.json /);
  });
});
