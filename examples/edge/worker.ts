/**
 * An edge function on workerd (Cloudflare Workers): each request runs its
 * own spindle loop with `run()`. `GET /?parts=user,orders` fetches every part
 * from the origin at once (`gather`), each under a deadline (`waitFor`): a
 * part the origin is too slow to send is cancelled, which aborts its
 * `fetch`, and the answer says which part timed out, so one slow backend
 * costs the request the deadline and no more.
 *
 * Answers: 200 with `{ parts: { name: json } }`; 504 when a part timed
 * out and 502 when the origin failed one (the other parts still arrive, as
 * `{ error }` entries name the failed ones); 400 for a bad query.
 * `?deadline=ms` sets the parts' deadline (default 1000 ms); a part may
 * name its own, as in `?parts=user,recommendations:150`.
 *
 * Build and serve it (config.capnp reads the origin from UPSTREAM_URL):
 *
 * ```sh
 * node examples/edge/build.mjs /tmp/edge
 * UPSTREAM_URL=http://127.0.0.1:8000 npx workerd serve /tmp/edge/config.capnp
 * ```
 *
 * @module
 */

import { call, type Coroutine, gather, run, TimeoutError, waitFor } from "../../host/workerd.ts";

/** The worker's bindings (config.capnp). */
export interface Env {
  /** The origin's base URL, such as "http://127.0.0.1:8000". */
  UPSTREAM: string;
}

/** How long each part may take when the query does not say. */
const DEFAULT_DEADLINE_MS = 1000;

/** Fetches one part's JSON; cancelling the task aborts the request (and reading its body). */
function* fetchPart(origin: string, part: string): Coroutine<unknown> {
  return yield* call(async (signal) => {
    const response = await fetch(`${origin}/${encodeURIComponent(part)}`, { signal });
    if (!response.ok) throw new Error(`the origin answered ${response.status} for "${part}"`);
    return await response.json();
  });
}

/** A 400 answer naming what was wrong with the query. */
function badRequest(message: string): Response {
  return Response.json({ error: message }, { status: 400 });
}

/** A deadline from the query, or undefined when it is not a number of ms from 1 to 60000. */
function parseDeadline(text: string): number | undefined {
  const ms = Number(text);
  return text !== "" && ms >= 1 && ms <= 60_000 ? ms : undefined;
}

/** One part of the answer: its name at the origin and how long it may take. */
interface Part {
  name: string;
  deadline: number;
}

function* handle(request: Request, env: Env): Coroutine<Response> {
  const query = new URL(request.url).searchParams;
  const deadlineText = query.get("deadline") ?? String(DEFAULT_DEADLINE_MS);
  const deadline = parseDeadline(deadlineText);
  if (deadline === undefined) {
    return badRequest(`Deadline must be a number of milliseconds from 1 to 60000, got "${deadlineText}"`);
  }
  const parts: Part[] = [];
  for (const spec of (query.get("parts") ?? "").split(",").filter((spec) => spec !== "")) {
    const [name = "", own] = spec.split(":");
    const partDeadline = own === undefined ? deadline : parseDeadline(own);
    if (name === "" || partDeadline === undefined) {
      return badRequest(`Each part is a name, or name:ms with ms from 1 to 60000, got "${spec}"`);
    }
    parts.push({ name, deadline: partDeadline });
  }
  if (parts.length === 0) return badRequest("Name the parts to fetch: ?parts=user,orders");

  // Every part at once, each under its own deadline; returnExceptions keeps
  // the parts that arrived when another one fails.
  const results = yield* gather(
    parts.map((part) => waitFor(fetchPart(env.UPSTREAM, part.name), part.deadline)),
    { returnExceptions: true },
  );

  let status = 200;
  const body: Record<string, unknown> = {};
  parts.forEach((part, i) => {
    const result = results[i];
    if (result instanceof TimeoutError) {
      status = 504;
      body[part.name] = { error: `timed out after ${part.deadline} ms` };
    } else if (result instanceof Error) {
      if (status === 200) status = 502;
      body[part.name] = { error: result.message };
    } else {
      body[part.name] = result;
    }
  });
  return Response.json({ parts: body }, { status });
}

export default {
  fetch(request: Request, env: Env): Promise<Response> {
    return run(() => handle(request, env));
  },
};
