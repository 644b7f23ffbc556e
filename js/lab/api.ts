/**
 * The REST API of runwatch's server extension, under `<base_url>/runwatch/api/`.
 *
 * The answer types are generated: src/runwatch/views/_rest_shapes.py declares them,
 * `python -m runwatch.server._openapi` writes them into openapi.json, and
 * `npm run generate:api` writes api.generated.ts from that document. The names below
 * only give them short aliases.
 */

import { URLExt } from "@jupyterlab/coreutils";
import { ServerConnection } from "@jupyterlab/services";

import type { components } from "./api.generated";

type Schemas = components["schemas"];

export type ErrorBody = Schemas["ErrorBody"];
export type ExperimentRow = Schemas["ExperimentRow"];
export type ExperimentList = Schemas["ExperimentList"];
export type RunRow = Schemas["RunRow"];
export type RunPage = Schemas["RunPage"];
export type MetricSummary = Schemas["MetricSummary"];
export type FileRow = Schemas["FileRow"];
export type RunDetailsBody = Schemas["RunDetailsBody"];
export type SeriesBody = Schemas["SeriesBody"];
export type MetricsBody = Schemas["MetricsBody"];
export type RowChartBody = Schemas["RowChartBody"];
export type LogBody = Schemas["LogBody"];
export type FileList = Schemas["FileList"];
export type ColumnInfo = Schemas["ColumnInfo"];
export type TableRow = Schemas["TableRow"];
export type RunsTable = Schemas["RunsTable"];
export type ScatterPoint = Schemas["ScatterPoint"];
export type ScatterBody = Schemas["ScatterBody"];
export type RunSeries = Schemas["RunSeries"];
export type OverlayBody = Schemas["OverlayBody"];
export type ModelRow = Schemas["ModelRow"];
export type ModelList = Schemas["ModelList"];
export type ModelDetailsBody = Schemas["ModelDetailsBody"];
export type EvaluationSeries = Schemas["EvaluationSeries"];
export type EvaluationChart = Schemas["EvaluationChart"];
export type EvaluationMetric = Schemas["EvaluationMetric"];
export type EvaluationBody = Schemas["EvaluationBody"];
/** Which value of a column is best: the lowest or the highest. */
export type Goal = NonNullable<ScatterBody["goal"]>;

// The sidebar imports it from here.
export { durationOf } from "../components/format";

/** Query parameters; arrays become repeated parameters, undefined ones are left out. */
export type Query = Record<string, string | number | readonly string[] | undefined>;

/** An API answer other than 2xx, with the server's message. */
export class APIError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "APIError";
  }
}

export function apiUrl(path: string, query: Query = {}): string {
  const settings = ServerConnection.makeSettings();
  const url = URLExt.join(settings.baseUrl, "runwatch", "api", path);
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (typeof value === "string" || typeof value === "number") params.append(key, String(value));
    else for (const item of value) params.append(key, item);
  }
  const search = params.toString();
  return search === "" ? url : `${url}?${search}`;
}

/** One path segment: run ids and experiment names may hold any character. */
export function segment(value: string): string {
  return encodeURIComponent(value);
}

/** GET `path` under the API root with the server's auth (token header, XSRF cookie). */
export async function request(
  path: string,
  query: Query = {},
  signal?: AbortSignal,
): Promise<Response> {
  const settings = ServerConnection.makeSettings();
  // "no-cache" (revalidate) instead of JupyterLab's default "no-store", which appends
  // a bare timestamp parameter that the API's strict query parsing would refuse.
  const init: RequestInit =
    signal === undefined ? { cache: "no-cache" } : { cache: "no-cache", signal };
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(apiUrl(path, query), init, settings);
  } catch (error) {
    throw new ServerConnection.NetworkError(error as TypeError);
  }
  if (!response.ok) {
    const text = await response.text();
    throw new APIError(response.status, errorMessage(response, text));
  }
  return response;
}

/** GET a JSON answer typed as one of the wire shapes above. */
export async function requestAPI<T>(
  path: string,
  query: Query = {},
  signal?: AbortSignal,
): Promise<T> {
  const response = await request(path, query, signal);
  return (await response.json()) as T;
}

function errorMessage(response: Response, text: string): string {
  try {
    const body = JSON.parse(text) as { error?: Partial<ErrorBody>; message?: string };
    const message = body.error?.message ?? body.message;
    if (typeof message === "string" && message !== "") return message;
  } catch {
    // Not JSON (a proxy's or Tornado's own HTML page): fall back to the status line.
  }
  return `${response.status} ${response.statusText}`.trim();
}
