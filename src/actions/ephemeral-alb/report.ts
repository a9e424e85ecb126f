import type { AlbState } from "./state";
import type { TeardownStep } from "./teardown";

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

export function resourceRows(state: AlbState): [string, string][] {
  const rows: [string, string | undefined][] = [
    ["Load balancer", state.loadBalancerArn],
    ["DNS name", state.dnsName],
    ["Listener", state.listenerArn],
    ["HTTPS listener", state.httpsListenerArn],
    ["Target group", state.targetGroupArn],
    [
      "Container port",
      state.targetGroupArn
        ? `${state.containerPort}${state.containerPortSource ? ` (${state.containerPortSource})` : ""}`
        : undefined,
    ],
    ["ALB security group", state.securityGroupId],
    [
      "Temporary task ingress",
      state.taskIngressRuleIds?.length
        ? `${state.taskSecurityGroupId} ← ${state.securityGroupId} tcp/${state.containerPort} (${state.taskIngressRuleIds.join(", ")})`
        : undefined,
    ],
  ];
  return rows.flatMap(([k, v]) => (v ? [[k, v] as [string, string]] : []));
}

export function createdSummary(state: AlbState, url: string | undefined, failure: string | undefined): string {
  const lines = [`## ephemeral-alb: ${failure ? "❌ creation failed" : "✅ created"} \`${state.names.base}\``, ""];
  if (failure) lines.push(`> ${cell(failure)}`, "", "The post step removes everything listed below.", "");
  if (url) lines.push(`URL: \`${url}\``, "");
  lines.push("| Resource | ID |", "| --- | --- |");
  for (const [k, v] of resourceRows(state)) lines.push(`| ${k} | \`${cell(v)}\` |`);
  return `${lines.join("\n")}\n`;
}

export function teardownSummary(title: string, steps: TeardownStep[]): string {
  const left = steps.filter((s) => s.outcome === "left");
  const lines = [
    `## ${title}: ${left.length === 0 ? "✅ nothing left behind" : `❌ ${left.length} item(s) left behind`}`,
    "",
  ];
  if (steps.length === 0) lines.push("Nothing to remove.");
  else {
    lines.push("| Step | Resource | Result |", "| --- | --- | --- |");
    for (const s of steps) lines.push(`| ${s.step} | \`${cell(s.id)}\` | ${s.outcome} |`);
  }
  if (left.length > 0) {
    lines.push("", "### Left behind: remove by hand", "");
    for (const s of left) {
      lines.push(
        `- **${s.step}** \`${cell(s.id)}\`: ${cell(s.error ?? "")}`,
        "  ```sh",
        `  ${s.command ?? ""}`,
        "  ```",
      );
    }
  }
  const failed = steps.filter((s) => s.outcome === "failed");
  if (failed.length > 0) {
    lines.push("", "### Steps that failed (nothing left by them, but look)", "");
    for (const s of failed) lines.push(`- **${s.step}** \`${cell(s.id)}\`: ${cell(s.error ?? "")}`);
  }
  return `${lines.join("\n")}\n`;
}

/** One message for the step failure: each leftover with its error and the command that removes it. */
export function leftoverMessage(steps: TeardownStep[]): string | undefined {
  const left = steps.filter((s) => s.outcome === "left");
  if (left.length === 0) return undefined;
  return `${left.length} item(s) could not be removed:\n${left
    .map((s) => `- ${s.step} ${s.id}: ${s.error ?? ""}\n  remove with: ${s.command ?? "(see the job summary)"}`)
    .join("\n")}`;
}
