// The HTTP client. Always relative URLs: in production the Litestar app serves the
// PWA and the API from one origin; in development Vite proxies /api to :8000.
// Failures become one of two errors: ApiError (the server answered with a problem
// document or a non-2xx status) or NetworkError (no answer at all), because the
// field app treats them differently (a network error means "queue and retry").

import type { components, paths } from "./api-schema";
import { deviceId } from "./device";
import { getLang } from "./i18n";

/** RFC 9457 problem details, plus our stable machine `code` (API.md). */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  code?: string;
  [extra: string]: unknown;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string | null;
  readonly detail: string | null;
  readonly problem: Problem | null;
  /** Seconds from a Retry-After header (429, 503), if the server sent one. */
  readonly retryAfterS: number | null;

  constructor(status: number, problem: Problem | null, retryAfterS: number | null) {
    super(problem?.detail ?? problem?.title ?? `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.problem = problem;
    this.code = typeof problem?.code === "string" ? problem.code : null;
    this.detail = typeof problem?.detail === "string" && problem.detail ? problem.detail : null;
    this.retryAfterS = retryAfterS;
  }
}

export class NetworkError extends Error {
  constructor(cause: unknown) {
    super("network error", { cause });
    this.name = "NetworkError";
  }
}

export interface ApiRequest {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as multipart/form-data (the browser writes the boundary). */
  form?: FormData;
  /** Bearer token; omit for the public endpoints. */
  token?: string | null;
  signal?: AbortSignal;
}

/** A successful answer: the status tells a first arrival (201) from a replay (200). */
export interface ApiResponse<T> {
  status: number;
  data: T;
}

export async function api<T>(path: string, request: ApiRequest = {}): Promise<T> {
  return (await apiResponse<T>(path, request)).data;
}

export async function apiResponse<T>(path: string, request: ApiRequest = {}): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = {
    Accept: "application/json, application/problem+json",
    "Accept-Language": getLang(),
    // The audit trail records which phone did what (README: Audit).
    "X-Device-Id": deviceId(),
  };
  if (request.token) headers.Authorization = `Bearer ${request.token}`;
  let body: string | FormData | undefined;
  if (request.form !== undefined) {
    body = request.form;
  } else if (request.json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(request.json);
  }

  let response: Response;
  try {
    response = await fetch(path, {
      method: request.method ?? (body === undefined ? "GET" : "POST"),
      headers,
      body,
      credentials: "same-origin",
      cache: "no-store",
      signal: request.signal ?? null,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new NetworkError(error);
  }

  if (!response.ok) {
    throw new ApiError(response.status, await readProblem(response), parseRetryAfter(response));
  }
  if (response.status === 204) return { status: 204, data: undefined as T };
  try {
    return { status: response.status, data: (await response.json()) as T };
  } catch (error) {
    // The connection dropped half way through the body: the request may have
    // arrived, so treat it like no answer (the replay is idempotent by client id).
    throw new NetworkError(error);
  }
}

async function readProblem(response: Response): Promise<Problem | null> {
  const type = response.headers.get("Content-Type") ?? "";
  if (!type.includes("json")) return null;
  try {
    const value: unknown = await response.json();
    return value && typeof value === "object" ? (value as Problem) : null;
  } catch {
    return null;
  }
}

function parseRetryAfter(response: Response): number | null {
  const value = response.headers.get("Retry-After");
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

// ---- the API's types, generated from its OpenAPI document (make api-types) ----

/** The API's named schemas: `Schemas["SiteOut"]`. Prefer `Answer`: component names
 * follow the server's class names (and its module paths where two classes share one). */
export type Schemas = components["schemas"];

type Json<R> = R extends { content: { "application/json": infer T } } ? T : never;
type Ok<R> = R extends { 200: infer A } ? Json<A> : R extends { 201: infer A } ? Json<A> : never;

/** What an operation answers on success: `Answer<"/api/sites">` is a page of sites.
 * Named by path, so it follows the server when a schema is renamed. */
export type Answer<P extends keyof paths, M extends keyof paths[P] = "get" & keyof paths[P]> =
  paths[P][M] extends { responses: infer R } ? Ok<R> : never;

// ---- the endpoints this screen set uses (API.md "Auth and people") ------------

export type LoginResponse = Answer<"/api/auth/login", "post">;
export type UserSummary = LoginResponse["user"];
export type Role = UserSummary["role"];
/** GET /api/me: the user with company, crew and sites. */
export type Me = Answer<"/api/me">;

export function login(loginName: string, password: string): Promise<LoginResponse> {
  return api<LoginResponse>("/api/auth/login", { method: "POST", json: { login: loginName, password } });
}

export function fetchMe(token: string, signal?: AbortSignal): Promise<Me> {
  return api<Me>("/api/me", { token, ...(signal ? { signal } : {}) });
}
