/**
 * A loopback fake of the GitHub Actions artifact service, as `@actions/artifact`
 * v2+ talks to it:
 *
 * - it reads ACTIONS_RUNTIME_TOKEN (a JWT whose `scp` claim holds
 *   `Actions.Results:<workflowRunBackendId>:<workflowJobRunBackendId>`) and
 *   ACTIONS_RESULTS_URL (only the origin is used);
 * - it POSTs Twirp JSON to `/twirp/github.actions.results.api.v1.ArtifactService/CreateArtifact`,
 *   which answers `{ ok, signed_upload_url }`;
 * - it uploads the zip to that URL with the Azure Blob SDK (`BlockBlobClient.uploadStream`):
 *   `PUT <url>&comp=block&blockid=<id>` per block, then `PUT <url>&comp=blocklist`
 *   with `<BlockList><Latest>id</Latest>…</BlockList>`;
 * - it POSTs `FinalizeArtifact` with the size and `sha256:<hex>` hash, answered with `{ ok, artifact_id }`;
 * - `deleteArtifact(name)` (actions/upload-artifact's `overwrite`) POSTs `ListArtifacts` with `name_filter`,
 *   answered with `{ artifacts: [{ workflow_run_backend_id, workflow_job_run_backend_id, database_id, name,
 *   size, created_at, digest }] }` (every artifact of the workflow run, whichever job uploaded it), then
 *   `DeleteArtifact` with the run, job and name, answered with `{ ok, artifact_id }` or Twirp `not_found`.
 *
 * Names are unique per workflow run: a second CreateArtifact of a live name is 409 `already_exists`, as
 * the real service answers matrix legs that share a name; a deleted artifact frees its name.
 *
 * The signed URL points back at this server on 127.0.0.1 (the loopback guard
 * allows nothing else). Every upload is kept, unzipped, for assertions.
 */
import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { inflateRawSync } from "node:zlib";

const SERVICE = "/twirp/github.actions.results.api.v1.ArtifactService/";

export interface ArtifactFile {
  /** Path inside the zip, `/`-separated. */
  name: string;
  data: Buffer;
}

export interface UploadedArtifact {
  id: number;
  name: string;
  workflowRunBackendId: string;
  workflowJobRunBackendId: string;
  mimeType: string | undefined;
  expiresAt: string | undefined;
  /** Size and hash the client reported in FinalizeArtifact. */
  reportedSize: number;
  reportedHash: string | undefined;
  /** The committed blob. */
  zip: Buffer;
  /** The zip's entries (directories left out). */
  files: ArtifactFile[];
  blockCount: number;
  /** Set when DeleteArtifact removed it (it stays listed here for assertions). */
  deleted: boolean;
  createdAt: string;
}

export interface ArtifactRequest {
  method: string;
  path: string;
  status: number;
}

export interface ArtifactServiceOptions {
  runId?: string;
  jobId?: string;
  /** Answer CreateArtifact with this HTTP status (e.g. 409 when the name exists). */
  createStatus?: number;
}

export interface RunningArtifactService {
  url: string;
  /** The runner variables `@actions/artifact` reads. */
  env: Record<string, string>;
  uploads(): UploadedArtifact[];
  requests: ArtifactRequest[];
  stop(): Promise<void>;
}

interface Pending {
  id: number;
  name: string;
  runId: string;
  jobId: string;
  mimeType: string | undefined;
  expiresAt: string | undefined;
  blobKey: string;
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

/** An unsigned JWT with the claims the client decodes (it never verifies the signature). */
export function runtimeToken(runId: string, jobId: string): string {
  const claims = { scp: `Actions.GenericRead:${runId} Actions.Results:${runId}:${jobId}`, iss: "fake" };
  return `${base64url({ typ: "JWT", alg: "none" })}.${base64url(claims)}.${randomBytes(16).toString("base64url")}`;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

/** Reads a zip through its central directory (stored and deflated entries, as archiver writes them). */
export function unzip(zip: Buffer): ArtifactFile[] {
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 65_535); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd === -1) throw new Error("not a zip: no end of central directory record");
  const count = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  const files: ArtifactFile[] = [];
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(p) !== 0x02014b50) throw new Error(`bad central directory entry at ${p}`);
    const method = zip.readUInt16LE(p + 10);
    const compressedSize = zip.readUInt32LE(p + 20);
    const nameLength = zip.readUInt16LE(p + 28);
    const extraLength = zip.readUInt16LE(p + 30);
    const commentLength = zip.readUInt16LE(p + 32);
    const localOffset = zip.readUInt32LE(p + 42);
    const name = zip.toString("utf8", p + 46, p + 46 + nameLength);
    p += 46 + nameLength + extraLength + commentLength;
    if (name.endsWith("/")) continue;
    if (zip.readUInt32LE(localOffset) !== 0x04034b50) throw new Error(`bad local header for ${name}`);
    const dataStart = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
    const raw = zip.subarray(dataStart, dataStart + compressedSize);
    if (method === 0) files.push({ name, data: Buffer.from(raw) });
    else if (method === 8) files.push({ name, data: inflateRawSync(raw) });
    else throw new Error(`zip entry ${name} uses unsupported method ${method}`);
  }
  return files.sort((a, b) => a.name.localeCompare(b.name));
}

function blockIds(xml: string): string[] {
  return [...xml.matchAll(/<(?:Latest|Committed|Uncommitted)>([^<]*)<\//g)].map((m) => m[1] as string);
}

export async function startArtifactService(opts: ArtifactServiceOptions = {}): Promise<RunningArtifactService> {
  const runId = opts.runId ?? "8f2c1b6e-0d4a-4e57-9b61-3f1e2a7c9d10";
  const jobId = opts.jobId ?? "c3a9e4f2-7b18-5d60-8e2f-4b9d1c0a6e35";
  const token = runtimeToken(runId, jobId);
  const sig = randomBytes(12).toString("base64url");
  const pending = new Map<string, Pending>();
  const blocks = new Map<string, Map<string, Buffer>>();
  const committed = new Map<string, { data: Buffer; blockCount: number }>();
  const uploaded: UploadedArtifact[] = [];
  const requests: ArtifactRequest[] = [];
  let nextId = 1000;
  let origin = "";

  const twirp = (method: string, body: Record<string, unknown>, res: ServerResponse) => {
    const key = `${body.workflow_run_backend_id}/${body.workflow_job_run_backend_id}/${body.name}`;
    if (body.workflow_run_backend_id !== runId || body.workflow_job_run_backend_id !== jobId) {
      return json(res, 400, { code: "invalid_argument", msg: "backend IDs do not match the runtime token" });
    }
    if (method === "CreateArtifact") {
      if (opts.createStatus) return json(res, opts.createStatus, { code: "already_exists", msg: "artifact exists" });
      if (body.version !== 7)
        return json(res, 400, { code: "invalid_argument", msg: `unsupported version ${body.version}` });
      if (pending.has(key) || uploaded.some((u) => u.name === body.name && !u.deleted)) {
        return json(res, 409, {
          code: "already_exists",
          msg: "an artifact with this name already exists on the workflow run",
        });
      }
      const id = nextId++;
      const blobKey = `/fakeaccount/actions-results/${id}/${encodeURIComponent(String(body.name))}.zip`;
      const mime = body.mime_type as { value?: string } | string | undefined;
      pending.set(key, {
        id,
        name: String(body.name),
        runId,
        jobId,
        mimeType: typeof mime === "string" ? mime : mime?.value,
        expiresAt: typeof body.expires_at === "string" ? body.expires_at : undefined,
        blobKey,
      });
      return json(res, 200, { ok: true, signed_upload_url: `${origin}${blobKey}?sv=2023-11-03&sr=b&sp=cw&sig=${sig}` });
    }
    if (method === "FinalizeArtifact") {
      const p = pending.get(key);
      if (!p) return json(res, 404, { code: "not_found", msg: "no artifact was created with this name" });
      const blob = committed.get(p.blobKey);
      if (!blob) return json(res, 400, { code: "failed_precondition", msg: "the blob was never committed" });
      const hash = (body.hash as { value?: string } | string | undefined) ?? undefined;
      const reportedHash = typeof hash === "string" ? hash : hash?.value;
      const actualHash = `sha256:${createHash("sha256").update(blob.data).digest("hex")}`;
      if (reportedHash !== undefined && reportedHash !== actualHash) {
        return json(res, 400, { code: "invalid_argument", msg: `hash mismatch: ${reportedHash} != ${actualHash}` });
      }
      pending.delete(key);
      uploaded.push({
        id: p.id,
        name: p.name,
        workflowRunBackendId: p.runId,
        workflowJobRunBackendId: p.jobId,
        mimeType: p.mimeType,
        expiresAt: p.expiresAt,
        reportedSize: Number(body.size ?? 0),
        reportedHash,
        zip: blob.data,
        files: unzip(blob.data),
        blockCount: blob.blockCount,
        deleted: false,
        createdAt: new Date().toISOString(),
      });
      return json(res, 200, { ok: true, artifact_id: String(p.id) });
    }
    if (method === "ListArtifacts") {
      const filter = body.name_filter as { value?: string } | string | undefined;
      const name = typeof filter === "string" ? filter : filter?.value;
      const live = uploaded.filter((u) => !u.deleted && u.workflowRunBackendId === runId);
      return json(res, 200, {
        artifacts: live
          .filter((u) => name === undefined || u.name === name)
          .map((u) => ({
            workflow_run_backend_id: u.workflowRunBackendId,
            workflow_job_run_backend_id: u.workflowJobRunBackendId,
            database_id: String(u.id),
            name: u.name,
            size: String(u.reportedSize),
            created_at: u.createdAt,
            ...(u.reportedHash ? { digest: u.reportedHash } : {}),
          })),
      });
    }
    if (method === "DeleteArtifact") {
      const hit = uploaded.find((u) => !u.deleted && u.name === body.name && u.workflowRunBackendId === runId);
      if (!hit) return json(res, 404, { code: "not_found", msg: `artifact ${String(body.name)} not found` });
      hit.deleted = true;
      return json(res, 200, { ok: true, artifact_id: String(hit.id) });
    }
    return json(res, 404, { code: "bad_route", msg: `no handler for ${method}` });
  };

  const blob = (req: IncomingMessage, url: URL, body: Buffer, res: ServerResponse) => {
    if (url.searchParams.get("sig") !== sig) {
      res.writeHead(403, { "x-ms-error-code": "AuthenticationFailed" });
      return res.end();
    }
    const key = url.pathname;
    const comp = url.searchParams.get("comp");
    const headers = { "x-ms-request-id": randomBytes(8).toString("hex"), "x-ms-version": "2023-11-03" };
    if (req.method === "PUT" && comp === "block") {
      const id = url.searchParams.get("blockid") ?? "";
      const staged = blocks.get(key) ?? new Map<string, Buffer>();
      staged.set(id, body);
      blocks.set(key, staged);
      res.writeHead(201, { ...headers, "x-ms-request-server-encrypted": "true" });
      return res.end();
    }
    if (req.method === "PUT" && comp === "blocklist") {
      const staged = blocks.get(key) ?? new Map<string, Buffer>();
      const ids = blockIds(body.toString("utf8"));
      const missing = ids.filter((id) => !staged.has(id));
      if (missing.length > 0) {
        res.writeHead(400, { ...headers, "x-ms-error-code": "InvalidBlockList" });
        return res.end();
      }
      committed.set(key, { data: Buffer.concat(ids.map((id) => staged.get(id) as Buffer)), blockCount: ids.length });
      blocks.delete(key);
      res.writeHead(201, {
        ...headers,
        etag: `"0x${randomBytes(8).toString("hex")}"`,
        "last-modified": new Date().toUTCString(),
      });
      return res.end();
    }
    res.writeHead(400, { ...headers, "x-ms-error-code": "UnsupportedHttpVerb" });
    return res.end();
  };

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", origin);
    let status = 500;
    const end = res.end.bind(res);
    res.end = ((...args: Parameters<ServerResponse["end"]>) => {
      status = res.statusCode;
      requests.push({ method: req.method ?? "", path: url.pathname, status });
      return end(...args);
    }) as ServerResponse["end"];
    try {
      const body = await readBody(req);
      if (url.pathname.startsWith(SERVICE) && req.method === "POST") {
        if (req.headers.authorization !== `Bearer ${token}`)
          return json(res, 401, { code: "unauthenticated", msg: "bad token" });
        return twirp(url.pathname.slice(SERVICE.length), JSON.parse(body.toString("utf8") || "{}"), res);
      }
      if (url.pathname.startsWith("/fakeaccount/")) return blob(req, url, body, res);
      return json(res, 404, { msg: `no route ${req.method} ${url.pathname}` });
    } catch (error) {
      return json(res, 500, { msg: String(error) });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: origin,
    env: {
      ACTIONS_RUNTIME_TOKEN: token,
      ACTIONS_RESULTS_URL: `${origin}/`,
    },
    uploads: () => [...uploaded],
    requests,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
