/**
 * Wire formats of the AWS protocols the emulator speaks: form-encoded query
 * requests (awsQuery and ec2Query), XML responses, JSON 1.1, and each
 * protocol's error shape. Kept generic: services return plain objects and the
 * shape of lists is the only hint they give (`xmlList`).
 */
import type { AwsError } from "./errors";

export type Protocol = "json" | "query" | "ec2";

type Tree = { [key: string]: Tree | string };

/**
 * `Subnets.member.1=a&Filter.1.Name=x&Filter.1.Value.1=y&Matcher.HttpCode=200`
 * -> `{ Subnets: ["a"], Filter: [{ Name: "x", Value: ["y"] }], Matcher: { HttpCode: "200" } }`.
 * `member` / `entry` segments are dropped, numeric segments make arrays.
 * Values stay strings: services convert what they need.
 */
export function decodeQuery(body: string): { action: string; version: string; params: Record<string, unknown> } {
  const form = new URLSearchParams(body);
  const root: Tree = {};
  let action = "";
  let version = "";
  for (const [key, value] of form) {
    if (key === "Action") {
      action = value;
      continue;
    }
    if (key === "Version") {
      version = value;
      continue;
    }
    const parts = key.split(".").filter((p) => p !== "member");
    let node: Tree = root;
    for (let i = 0; i < parts.length - 1; i++) {
      const part = parts[i] as string;
      const next = node[part];
      if (typeof next === "object") node = next;
      else {
        const created: Tree = {};
        node[part] = created;
        node = created;
      }
    }
    node[parts[parts.length - 1] as string] = value;
  }
  return { action, version, params: arrayify(root) as Record<string, unknown> };
}

function arrayify(node: Tree | string): unknown {
  if (typeof node === "string") return node;
  const keys = Object.keys(node);
  if (keys.length > 0 && keys.every((k) => /^\d+$/.test(k))) {
    return keys
      .map(Number)
      .sort((a, b) => a - b)
      .map((k) => arrayify(node[String(k)] as Tree));
  }
  // Query maps: `Attributes.entry.1.key=a&Attributes.entry.1.value=b` decode as arrays of {key,value} already.
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = arrayify(node[k] as Tree);
  return out;
}

/** A list whose XML members have a name other than the protocol's default (`member` / `item`). */
export class XmlList {
  constructor(
    readonly memberName: string,
    readonly items: unknown[],
  ) {}
}
export const xmlList = (memberName: string, items: unknown[]) => new XmlList(memberName, items);

function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function scalar(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  return escapeXml(String(value));
}

/** Plain object -> XML elements. Arrays become `<member>` (query) or `<item>` (ec2) children. */
export function toXml(value: unknown, listMember: string): string {
  if (value === undefined || value === null) return "";
  if (value instanceof XmlList)
    return value.items.map((v) => `<${value.memberName}>${toXml(v, listMember)}</${value.memberName}>`).join("");
  if (Array.isArray(value)) return value.map((v) => `<${listMember}>${toXml(v, listMember)}</${listMember}>`).join("");
  if (typeof value === "object" && !(value instanceof Date)) {
    let out = "";
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v === undefined || v === null) continue;
      out += `<${k}>${toXml(v, listMember)}</${k}>`;
    }
    return out;
  }
  return scalar(value);
}

export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * JSON 1.1 timestamps are epoch seconds. A replacer sees a Date only after its
 * toJSON() turned it into an ISO string, so it looks at the holder's raw value.
 */
function epochSeconds(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key];
  return raw instanceof Date ? raw.getTime() / 1000 : value;
}

export function successResponse(
  protocol: Protocol,
  action: string,
  result: unknown,
  requestId: string,
  xmlns = "",
): WireResponse {
  if (protocol === "json") {
    return {
      status: 200,
      headers: { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": requestId },
      body: JSON.stringify(result ?? {}, epochSeconds),
    };
  }
  const headers = { "content-type": "text/xml", "x-amzn-requestid": requestId };
  if (protocol === "ec2") {
    return {
      status: 200,
      headers,
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${xmlns}"><requestId>${requestId}</requestId>${toXml(result, "item")}</${action}Response>`,
    };
  }
  return {
    status: 200,
    headers,
    body: `<${action}Response xmlns="${xmlns}"><${action}Result>${toXml(result, "member")}</${action}Result><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
  };
}

export function errorResponse(protocol: Protocol, error: AwsError, requestId: string, xmlns = ""): WireResponse {
  if (protocol === "json") {
    return {
      status: error.status,
      headers: {
        "content-type": "application/x-amz-json-1.1",
        "x-amzn-requestid": requestId,
        "x-amzn-errortype": error.code,
      },
      body: JSON.stringify({ __type: error.code, message: error.message }),
    };
  }
  const headers = { "content-type": "text/xml", "x-amzn-requestid": requestId };
  if (protocol === "ec2") {
    return {
      status: error.status,
      headers,
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`,
    };
  }
  return {
    status: error.status,
    headers,
    body: `<ErrorResponse xmlns="${xmlns}"><Error><Type>${error.type}</Type><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
  };
}

/** `Credential=AKID/20251105/us-west-2/elasticloadbalancing/aws4_request` -> its parts. */
export function credentialScope(
  authorization: string | undefined,
): { accessKeyId: string; region: string; service: string } | undefined {
  if (!authorization) return undefined;
  const m = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(authorization);
  if (!m) return undefined;
  return { accessKeyId: m[1] as string, region: m[2] as string, service: m[3] as string };
}
