/**
 * What a person sees: colour only on a terminal and never with NO_COLOR,
 * secrets masked in every line, the job summary's markdown as aligned text,
 * and @actions/core's workflow commands turned into console lines.
 */
import { describe, expect, it } from "vitest";
import { CliConsole, colourWanted, FOLD_LINES, markdownToText } from "../../src/cli/console";

function fakeStream(isTTY: boolean) {
  const chunks: string[] = [];
  const stream = { isTTY, write: (s: string) => chunks.push(s) > 0 } as unknown as NodeJS.WriteStream;
  return { stream, text: () => chunks.join("") };
}

describe("CliConsole", () => {
  it("colours only a TTY, and not with NO_COLOR or TERM=dumb", () => {
    expect(colourWanted({ isTTY: true }, {})).toBe(true);
    expect(colourWanted({ isTTY: false }, {})).toBe(false);
    expect(colourWanted({}, {})).toBe(false);
    expect(colourWanted({ isTTY: true }, { NO_COLOR: "1" })).toBe(false);
    // no-color.org: an empty NO_COLOR does not disable colour.
    expect(colourWanted({ isTTY: true }, { NO_COLOR: "" })).toBe(true);
    expect(colourWanted({ isTTY: true }, { TERM: "dumb" })).toBe(false);

    const tty = fakeStream(true);
    const err = fakeStream(true);
    new CliConsole({ json: false, verbose: false, env: {}, stdout: tty.stream, stderr: err.stream }).verdict(
      true,
      "ok",
    );
    expect(tty.text()).toContain("\u001b[32mok\u001b[39m");
    const plain = fakeStream(true);
    new CliConsole({
      json: false,
      verbose: false,
      env: { NO_COLOR: "1" },
      stdout: plain.stream,
      stderr: err.stream,
    }).verdict(true, "ok");
    expect(plain.text()).toBe("ok\n");
  });

  it("prefixes progress with the elapsed time and masks registered secrets everywhere", () => {
    let now = 1_000;
    const out = fakeStream(false);
    const err = fakeStream(false);
    const cons = new CliConsole({
      json: false,
      verbose: false,
      env: {},
      stdout: out.stream,
      stderr: err.stream,
      now: () => now,
    });
    cons.addSecret("hunter2-long");
    now = 43_500;
    cons.progress("Creating the ALB with hunter2-long");
    cons.report("password: hunter2-long");
    expect(err.text()).toBe("[  42.5s] Creating the ALB with ***\n");
    expect(out.text()).toBe("password: ***\n");
  });

  it("--json: the report is not printed, stdout is the document only", () => {
    const out = fakeStream(false);
    const err = fakeStream(false);
    const cons = new CliConsole({ json: true, verbose: false, env: {}, stdout: out.stream, stderr: err.stream });
    cons.report("## a report");
    cons.verdict(false, "smoke: FAIL");
    cons.document({ result: "fail" });
    expect(JSON.parse(out.text())).toEqual({ result: "fail" });
    expect(err.text()).toContain("smoke: FAIL");
  });
  it("--json: a secret with quotes and newlines is masked before JSON escapes it, in a value and in a key", () => {
    const out = fakeStream(false);
    const err = fakeStream(false);
    const cons = new CliConsole({ json: true, verbose: false, env: {}, stdout: out.stream, stderr: err.stream });
    const secret = 'pa"ss\\word\n\tline "two"';
    cons.addSecret(secret);
    cons.document({ error: `login failed for ${secret}`, rows: [{ detail: secret }], [`k-${secret}`]: 1 });
    const text = out.text();
    const escaped = JSON.stringify(secret).slice(1, -1);
    expect(text).not.toContain(escaped);
    for (const piece of ['pa"ss', 'pa\\"ss', 'line \\"two\\"', "line "]) expect(text).not.toContain(piece);
    expect(JSON.parse(text)).toEqual({ error: "login failed for ***", rows: [{ detail: "***" }], "k-***": 1 });
  });

  it("--json: one document only, and the error document carries command, action, result and error", () => {
    const out = fakeStream(false);
    const err = fakeStream(false);
    const cons = new CliConsole({ json: true, verbose: true, env: {}, stdout: out.stream, stderr: err.stream });
    cons.errorDocument("drift", "secrets-rds-drift", "Input 'secret-id': not found");
    cons.document({ result: "fail" });
    expect(JSON.parse(out.text())).toEqual({
      command: "drift",
      action: "secrets-rds-drift",
      result: "error",
      error: "Input 'secret-id': not found",
    });
    expect(err.text()).toContain("a second JSON document was not printed");
    const plain = fakeStream(false);
    new CliConsole({ json: false, verbose: false, env: {}, stdout: plain.stream }).errorDocument("x", null, "e");
    expect(plain.text()).toBe("");
  });
});

describe("markdownToText", () => {
  it("aligns a GFM table, keeps escaped pipes and code spans, drops markup", () => {
    const md = [
      "### ✅ ephemeral-alb: created `eas-x`",
      "",
      "| Resource | ID |",
      "| --- | --- |",
      "| Load balancer | `arn:aws:elasticloadbalancing:…/app/eas-x-alb/1` |",
      "| Rule \\| note | **sg-1** |",
      "",
      "<details><summary>more</summary>",
      "- one [link](https://example.test)",
    ].join("\n");
    expect(markdownToText(md).split("\n")).toEqual([
      "✅ ephemeral-alb: created eas-x",
      "",
      "Resource       ID",
      `${"-".repeat(13)}  ${"-".repeat([..."arn:aws:elasticloadbalancing:…/app/eas-x-alb/1"].length)}`,
      "Load balancer  arn:aws:elasticloadbalancing:…/app/eas-x-alb/1",
      "Rule | note    sg-1",
      "",
      "more",
      "• one link (https://example.test)",
    ]);
  });

  it("turns GitHub's alerts and quotes into a label and indented text", () => {
    const md = ["> [!IMPORTANT]", "> Simulation does **not** evaluate `resource policies`.", "", "> a quote"].join(
      "\n",
    );
    expect(markdownToText(md).split("\n")).toEqual([
      "Important:",
      "  Simulation does not evaluate resource policies.",
      "",
      "  a quote",
    ]);
  });

  it("folds a collapsed block longer than the limit to its summary, and keeps a short one", () => {
    const rows = Array.from({ length: 5 }, (_, n) => `| s3:GetObject${n} | ✅ allowed |`);
    const md = [
      "Result",
      "",
      "<details><summary>5 allowed</summary>",
      "",
      "| Action | Decision |",
      "| --- | --- |",
      ...rows,
      "",
      "</details>",
      "",
      "<details><summary>Evidence files</summary>",
      "",
      "- a.log",
      "- b.json",
      "</details>",
      "after",
    ].join("\n");
    expect(markdownToText(md, undefined, 3).split("\n")).toEqual([
      "Result",
      "",
      "5 allowed (5 rows not shown; --verbose shows them)",
      "",
      "Evidence files",
      "",
      "• a.log",
      "• b.json",
      "after",
    ]);
    // Without a limit (--verbose) every row is there.
    expect(
      markdownToText(md)
        .split("\n")
        .filter((l) => l.startsWith("s3:GetObject")),
    ).toHaveLength(5);
  });

  it("the console folds unless --verbose", () => {
    const md = [
      "<details><summary>many</summary>",
      "",
      ...Array.from({ length: FOLD_LINES + 1 }, (_, n) => `- ${n}`),
      "</details>",
    ].join("\n");
    for (const verbose of [false, true]) {
      const out = fakeStream(false);
      new CliConsole({ json: false, verbose, env: {}, stdout: out.stream, stderr: fakeStream(false).stream }).report(
        md,
      );
      expect(out.text()).toBe(
        verbose
          ? `many\n\n${Array.from({ length: FOLD_LINES + 1 }, (_, n) => `• ${n}`).join("\n")}\n`
          : `many (${FOLD_LINES + 1} lines not shown; --verbose shows them)\n`,
      );
    }
  });
});
