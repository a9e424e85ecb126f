/**
 * A loopback fake of the part of the GitHub REST API the actions use for PR
 * comments, reached through GITHUB_API_URL like GitHub Enterprise Server:
 *
 *   GET   {prefix}/repos/:owner/:repo/issues/:number/comments?per_page=&page=   (Link paging)
 *   POST  {prefix}/repos/:owner/:repo/issues/:number/comments
 *   PATCH {prefix}/repos/:owner/:repo/issues/comments/:id
 *   GET   {prefix}/repos/:owner/:repo/pulls?state=&head=owner:branch   (Link paging)
 *   POST  {prefix}/repos/:owner/:repo/pulls   refused for GitHub Actions' token unless `actionsMayCreatePullRequests`
 *   GET   {prefix}/user          who a user token is; 403 for installation tokens
 *   GET   {prefix}/app           401 unless the token is an app's JWT (never, here)
 *   POST  {graphql}/graphql      `viewer { login databaseId }` for every kind of token
 *
 * `{graphql}` is the prefix without a trailing `/v3`, as on GitHub Enterprise
 * Server (`/api/v3` for REST, `/api/graphql`). Every token is an installation
 * token acting as `github-actions[bot]` (user id 41898282), like a workflow's
 * GITHUB_TOKEN, unless `asUser()` or `asApp()` says otherwise. Comments carry
 * their author; editing another author's comment is refused with 403, as for
 * an integration token without the right to edit it. `forbid` answers like
 * GitHub does for a fork PR or a token without `pull-requests: write` (403
 * "Resource not accessible by integration"), or 404 for a private repository
 * the token cannot see. Bodies longer than 65,536 characters are refused with
 * 422 as GitHub does. Every request is recorded for assertions.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeUser {
  login: string;
  id: number;
  type: "User" | "Bot";
}

/** The workflow's GITHUB_TOKEN acts as this bot (its real user id on github.com). */
export const GITHUB_ACTIONS_BOT: FakeUser = { login: "github-actions[bot]", id: 41898282, type: "Bot" };

export interface FakeComment {
  id: number;
  issue: number;
  body: string;
  user: FakeUser;
  created_at: string;
  updated_at: string;
}

export interface FakePullRequest {
  number: number;
  state: "open" | "closed";
  /** Where the PR's head is: `owner/name` (a fork or the base repository), branch and commit. */
  head: { repo: string; ref: string; sha: string };
  title?: string;
  base?: string;
  user?: FakeUser;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
  body: unknown;
  status: number;
}

export interface GitHubFakeOptions {
  /** Path prefix of the API, e.g. `/api/v3` as on GitHub Enterprise Server. */
  prefix?: string;
  /** Default page size when the client sends no per_page (GitHub: 30). */
  defaultPerPage?: number;
}

export type Forbid = "none" | "write" | "all";

export interface GitHubFake {
  /** The value for GITHUB_API_URL. */
  url: string;
  requests: RecordedRequest[];
  comments: FakeComment[];
  /** `write`: 403 on create/update only (fork PR, read-only token); `all`: 403 on everything. */
  forbid: Forbid;
  /** Status used by `forbid` (403 by default; 404 for a private repo the token cannot see). */
  forbidStatus: 403 | 404;
  /** Answer the next N requests with 500 (retry tests). */
  failNext: number;
  /**
   * The next this many requests answer GitHub's secondary rate limit: 403 "You have exceeded a secondary rate
   * limit" with `retry-after: 1` (https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api).
   */
  secondaryLimitNext: number;
  pullRequests: FakePullRequest[];
  /**
   * The repository setting Settings → Actions → General → Workflow permissions → "Allow GitHub Actions to create
   * and approve pull requests". Off by default, as in a new repository since GitHub's change of 2022-05-03: the
   * workflow's GITHUB_TOKEN then gets 403 "GitHub Actions is not permitted to create or approve pull requests."
   * from POST /pulls, whatever `permissions:` the job has. Other tokens are not affected.
   */
  actionsMayCreatePullRequests: boolean;
  /** Branches of the repository (a stand-in for `git push` adds to it); a pull request's head must be one. */
  branches: string[];
  /** GraphQL answers 502 (an Enterprise Server whose GraphQL endpoint is unreachable). */
  graphqlDown: boolean;
  /** Seed a comment written by someone else (or by us in an earlier run); the same login always has the same id. */
  addComment(issue: number, body: string, login?: string): FakeComment;
  /** `token` is a user's personal access token acting as `login`. */
  asUser(token: string, login: string): FakeUser;
  /** `token` is another GitHub App's installation token, acting as `<slug>[bot]`. */
  asApp(token: string, slug: string): FakeUser;
  /** Who a token acts as. */
  identityOf(token: string): FakeUser;
  commentsOn(issue: number): FakeComment[];
  stop(): Promise<void>;
}

const MAX_BODY = 65_536;

export async function startGitHubFake(opts: GitHubFakeOptions = {}): Promise<GitHubFake> {
  const prefix = (opts.prefix ?? "").replace(/\/+$/, "");
  const defaultPerPage = opts.defaultPerPage ?? 30;
  let nextId = 1000;
  const users = new Map<string, FakeUser>([[GITHUB_ACTIONS_BOT.login, GITHUB_ACTIONS_BOT]]);
  const userNamed = (login: string): FakeUser => {
    let u = users.get(login);
    if (!u) {
      u = { login, id: 5_000_000 + users.size, type: login.endsWith("[bot]") ? "Bot" : "User" };
      users.set(login, u);
    }
    return u;
  };
  // token -> identity; tokens not listed are installation tokens of GitHub Actions.
  const tokens = new Map<string, { user: FakeUser; kind: "user" | "installation" }>();
  const tokenOf = (authorization: string) => authorization.replace(/^(token|bearer)\s+/i, "");
  const kindOf = (token: string) => tokens.get(token)?.kind ?? "installation";
  const fake: GitHubFake = {
    url: "",
    requests: [],
    comments: [],
    forbid: "none",
    forbidStatus: 403,
    failNext: 0,
    secondaryLimitNext: 0,
    graphqlDown: false,
    actionsMayCreatePullRequests: false,
    branches: ["main"],
    pullRequests: [],
    addComment(issue, body, login = "someone") {
      const now = new Date().toISOString();
      const c: FakeComment = { id: nextId++, issue, body, user: userNamed(login), created_at: now, updated_at: now };
      fake.comments.push(c);
      return c;
    },
    asUser(token, login) {
      const user = userNamed(login);
      tokens.set(token, { user, kind: "user" });
      return user;
    },
    asApp(token, slug) {
      const user = userNamed(`${slug}[bot]`);
      tokens.set(token, { user, kind: "installation" });
      return user;
    },
    identityOf: (token) => tokens.get(token)?.user ?? GITHUB_ACTIONS_BOT,
    commentsOn: (issue) => fake.comments.filter((c) => c.issue === issue),
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };

  const readBody = (req: IncomingMessage) =>
    new Promise<string>((resolve, reject) => {
      let data = "";
      req.setEncoding("utf8");
      req.on("data", (chunk) => {
        data += chunk;
      });
      req.on("end", () => resolve(data));
      req.on("error", reject);
    });

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", `http://${req.headers.host}`);
    const raw = await readBody(req);
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = raw;
    }
    const record: RecordedRequest = {
      method: req.method ?? "GET",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      authorization: req.headers.authorization,
      body,
      status: 0,
    };
    fake.requests.push(record);
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
      res.end(JSON.stringify(payload));
    };
    const base = `http://${req.headers.host}${prefix}`;
    const view = (c: FakeComment) => ({
      id: c.id,
      body: c.body,
      user: c.user,
      created_at: c.created_at,
      updated_at: c.updated_at,
      html_url: `https://github.example/octo-org/papyrus/pull/${c.issue}#issuecomment-${c.id}`,
      url: `${base}/repos/octo-org/papyrus/issues/comments/${c.id}`,
    });

    if (!req.headers.authorization) {
      send(401, { message: "Requires authentication" });
      return;
    }
    if (fake.failNext > 0) {
      fake.failNext--;
      send(500, { message: "Server Error" });
      return;
    }
    if (fake.secondaryLimitNext > 0) {
      fake.secondaryLimitNext--;
      send(
        403,
        { message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again." },
        { "retry-after": "1" },
      );
      return;
    }
    const token = tokenOf(req.headers.authorization);
    const me = fake.identityOf(token);
    if (url.pathname === `${prefix.replace(/\/v3$/, "")}/graphql` && req.method === "POST") {
      if (fake.graphqlDown) {
        send(502, { message: "Bad Gateway" });
        return;
      }
      const query = (body as { query?: unknown } | undefined)?.query;
      if (typeof query === "string" && /\bviewer\s*\{/.test(query)) {
        send(200, { data: { viewer: { login: me.login, databaseId: me.id } } });
      } else {
        send(200, { errors: [{ message: "the fake answers only `viewer { login databaseId }`" }] });
      }
      return;
    }
    if (!url.pathname.startsWith(`${prefix}/`)) {
      send(404, { message: "Not Found" });
      return;
    }
    const path = url.pathname.slice(prefix.length);
    if (path === "/user" && req.method === "GET") {
      // https://docs.github.com/en/rest/users/users#get-the-authenticated-user: not for installation tokens.
      if (kindOf(token) === "installation") send(403, { message: "Resource not accessible by integration" });
      else send(200, { login: me.login, id: me.id, type: me.type });
      return;
    }
    if (path === "/app" && req.method === "GET") {
      // https://docs.github.com/en/rest/apps/apps#get-the-authenticated-app: only with the app's JWT.
      send(401, { message: "A JSON web token could not be decoded" });
      return;
    }
    if (/^\/repos\/[^/]+\/[^/]+\/pulls$/.test(path) && req.method === "GET") {
      // https://docs.github.com/en/rest/pulls/pulls#list-pull-requests: `head` is `user:ref-name`.
      const state = url.searchParams.get("state") ?? "open";
      const head = url.searchParams.get("head");
      const matching = fake.pullRequests.filter(
        (p) =>
          (state === "all" || p.state === state) &&
          (head === null || `${p.head.repo.split("/")[0]}:${p.head.ref}` === head),
      );
      send(
        200,
        matching.map((p) => ({
          number: p.number,
          state: p.state,
          head: {
            ref: p.head.ref,
            sha: p.head.sha,
            label: `${p.head.repo.split("/")[0]}:${p.head.ref}`,
            repo: { full_name: p.head.repo },
          },
          base: { ref: "main", repo: { full_name: "octo-org/papyrus" } },
        })),
      );
      return;
    }
    if (/^\/repos\/[^/]+\/[^/]+\/pulls$/.test(path) && req.method === "POST") {
      // https://docs.github.com/en/rest/pulls/pulls#create-a-pull-request
      if (fake.forbid !== "none") {
        send(fake.forbidStatus, {
          message: fake.forbidStatus === 403 ? "Resource not accessible by integration" : "Not Found",
        });
        return;
      }
      if (me.id === GITHUB_ACTIONS_BOT.id && !fake.actionsMayCreatePullRequests) {
        send(403, {
          message: "GitHub Actions is not permitted to create or approve pull requests.",
          documentation_url: "https://docs.github.com/rest/pulls/pulls#create-a-pull-request",
          status: "403",
        });
        return;
      }
      const { title, head, base } = (body ?? {}) as { title?: unknown; head?: unknown; base?: unknown };
      const invalid = (field: string) =>
        send(422, {
          message: "Validation Failed",
          errors: [{ resource: "PullRequest", field, code: "invalid" }],
          documentation_url: "https://docs.github.com/rest/pulls/pulls#create-a-pull-request",
        });
      if (typeof title !== "string" || title === "") return invalid("title");
      if (typeof base !== "string" || !fake.branches.includes(base)) return invalid("base");
      if (typeof head !== "string" || !fake.branches.includes(head)) return invalid("head");
      if (fake.pullRequests.some((p) => p.state === "open" && p.head.ref === head)) {
        send(422, {
          message: "Validation Failed",
          errors: [
            { resource: "PullRequest", code: "custom", message: `A pull request already exists for octo-org:${head}.` },
          ],
        });
        return;
      }
      const number = 1 + Math.max(0, ...fake.pullRequests.map((p) => p.number));
      const pr: FakePullRequest = {
        number,
        state: "open",
        head: { repo: "octo-org/papyrus", ref: head, sha: "0123456789abcdef0123456789abcdef01234567" },
        title,
        base,
        user: me,
      };
      fake.pullRequests.push(pr);
      send(201, { number, state: "open", title, html_url: `https://github.example/octo-org/papyrus/pull/${number}` });
      return;
    }
    const list = /^\/repos\/[^/]+\/[^/]+\/issues\/(\d+)\/comments$/.exec(path);
    const one = /^\/repos\/[^/]+\/[^/]+\/issues\/comments\/(\d+)$/.exec(path);
    const writing = req.method !== "GET";
    if (fake.forbid === "all" || (fake.forbid === "write" && writing && (list || one))) {
      send(
        fake.forbidStatus,
        fake.forbidStatus === 403 ? { message: "Resource not accessible by integration" } : { message: "Not Found" },
      );
      return;
    }

    if (list && req.method === "GET") {
      const issue = Number(list[1]);
      const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get("per_page")) || defaultPerPage));
      const page = Math.max(1, Number(url.searchParams.get("page")) || 1);
      const all = fake.commentsOn(issue);
      const last = Math.max(1, Math.ceil(all.length / perPage));
      const link = (p: number, rel: string) => {
        const u = new URL(`${base}${path}`);
        u.searchParams.set("per_page", String(perPage));
        u.searchParams.set("page", String(p));
        return `<${u.toString()}>; rel="${rel}"`;
      };
      const links: string[] = [];
      if (page > 1) links.push(link(page - 1, "prev"));
      if (page < last) links.push(link(page + 1, "next"), link(last, "last"));
      if (page > 1) links.push(link(1, "first"));
      send(
        200,
        all.slice((page - 1) * perPage, page * perPage).map(view),
        links.length ? { link: links.join(", ") } : {},
      );
      return;
    }
    if (list && req.method === "POST") {
      const text = (body as { body?: unknown } | undefined)?.body;
      if (typeof text !== "string" || text === "") {
        send(422, { message: "Validation Failed", errors: [{ field: "body", code: "missing_field" }] });
        return;
      }
      if (text.length > MAX_BODY) {
        send(422, {
          message: "Validation Failed",
          errors: [{ message: "Body is too long (maximum is 65536 characters)" }],
        });
        return;
      }
      send(201, view(fake.addComment(Number(list[1]), text, me.login)));
      return;
    }
    if (one && req.method === "PATCH") {
      const c = fake.comments.find((x) => x.id === Number(one[1]));
      const text = (body as { body?: unknown } | undefined)?.body;
      if (!c) {
        send(404, { message: "Not Found" });
        return;
      }
      if (c.user.id !== me.id) {
        send(403, { message: "Resource not accessible by integration" });
        return;
      }
      if (typeof text !== "string" || text.length > MAX_BODY) {
        send(422, {
          message: "Validation Failed",
          errors: [{ message: "Body is too long (maximum is 65536 characters)" }],
        });
        return;
      }
      c.body = text;
      c.updated_at = new Date().toISOString();
      send(200, view(c));
      return;
    }
    send(404, { message: "Not Found", documentation_url: "https://docs.github.com/rest" });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  fake.url = `http://127.0.0.1:${port}${prefix}`;
  return fake;
}

/** Comment requests only (what assertions usually want). */
export function commentCalls(fake: GitHubFake): RecordedRequest[] {
  return fake.requests.filter((r) => r.path.includes("/comments"));
}
