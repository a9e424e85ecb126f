/**
 * Issue 10 §4: names taken from a task definition never ping, reference or
 * link anyone, and the raw comment stays readable Markdown (code spans, not
 * HTML entities) for reviewers who read it in e-mail or through the API.
 * The comment (the step run in process: the bundle's entry, the runner's seam)
 * is rendered as GFM and inspected.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { API_KEY_SECRET, scenario, taskDefinition, workspaceWith } from "../actions/iam-simulate-preflight/scenario";
import { type RunningEmulator, startEmulator } from "../emulator/server";
import { type GitHubFake, startGitHubFake } from "../fakes/github-api";
import { linkableText, renderGfm, tableRows, visibleText } from "../harness/gfm";
import { runInProcess } from "../harness/in-process";

const TD_FILE = "deploy/task-definition.json";
let emu: RunningEmulator;
let github: GitHubFake;

beforeEach(async () => {
  [emu, github] = await Promise.all([startEmulator({ scenario: scenario({}) }), startGitHubFake()]);
});

afterEach(async () => {
  await Promise.all([github.stop(), emu.stop()]);
});

const HOSTILE_NAMES = [
  "web @octo-org/admins @mallory",
  "fixes #123 and octo-org/papyrus#9 GH-42",
  "deadbeefcafe1234 https://evil.example/x www.evil.example mallory@evil.example",
  "a|b `tick` ``two`` <img src=x onerror=alert(1)> [click](http://evil) **bold** $x$ ~~gone~~",
];

describe("PR comment markdown", () => {
  it.each(HOSTILE_NAMES)(
    "container and secret named %j render literally, link nothing, keep the columns",
    async (name) => {
      const workspace = workspaceWith(
        TD_FILE,
        taskDefinition([{ name, secrets: [{ name: `${name} secret`, valueFrom: API_KEY_SECRET }] }]),
      );
      const result = await runInProcess("iam-simulate-preflight", {
        workspace,
        inputs: { "task-definition": TD_FILE, "github-token": "ghs_workflowtoken" },
        env: { AWS_ENDPOINT_URL: emu.endpoint, GITHUB_API_URL: github.url },
        event: { pull_request: { number: 7 } },
        eventName: "pull_request",
      });
      expect(result.code).toBe(1);
      const body = github.commentsOn(7)[0]?.body ?? "";
      expect(body).toContain("IAM preflight failed");
      // Readable raw Markdown: no entity soup like arn&#58;aws&#58;…
      expect(body).not.toMatch(/&#\d+;/);
      expect(body).toContain("arn:aws:secretsmanager:");

      const html = renderGfm(body);
      expect(html).not.toMatch(/<(img|a|strong|del|script)\b/);
      expect(linkableText(html)).toEqual([]);
      // The reader sees the name character for character.
      const shown = visibleText(html);
      for (const word of name.split(" ")) expect(shown).toContain(word);
      const rows = tableRows(html);
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((r) => r.length === 7)).toBe(true);
    },
  );
});
