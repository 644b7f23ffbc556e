/**
 * The REST API of runwatch's server extension, under `<base_url>/runwatch/api/`.
 *
 * The interfaces mirror src/runwatch/views/_rest_shapes.py field for field (same
 * names, same optionality); tests/unit/lab/test_api_wire.py checks that the
 * two agree.
 */

import { URLExt } from "@jupyterlab/coreutils";
import { ServerConnection } from "@jupyterlab/services";

export type Cell = string | number | boolean | null;

export interface ErrorBody {
  status: number;
  message: string;
}

export interface ExperimentRow {
  name: string;
  created_time: number;
  run_count: number;
  active_count: number;
  last_created_time: number | null;
}

export interface ExperimentList {
  cursor: number;
  unchanged: boolean;
  experiments: ExperimentRow[];
}

export interface RunRow {
  id: string;
  number: number;
  experiment: string;
  display_name: string | null;
  type: string;
  status: string;
  created_time: number;
  start_time: number | null;
  end_time: number | null;
  parent_id: string | null;
  child_count: number;
  tags: Record<string, string>;
  metric: Cell;
}

export interface RunPage {
  cursor: number;
  unchanged: boolean;
  total: number;
  offset: number;
  limit: number;
  status_counts: Record<string, number>;
  metric_names: string[];
  runs: RunRow[];
}

export interface MetricSummary {
  name: string;
  kind: string;
  count: number;
  last_value: Cell;
  last_step: number | null;
}

export interface FileRow {
  name: string;
  size: number;
  created_time: number;
}

export interface RunDetailsBody {
  cursor: number;
  run: RunRow;
  error: Record<string, string> | null;
  properties: Record<string, Cell>;
  metrics: MetricSummary[];
  files: FileRow[];
  log_files: string[];
  children_status_counts: Record<string, number>;
  snippet: string;
}

export interface SeriesBody {
  name: string;
  kind: string;
  count: number;
  x: number[];
  y: (number | null)[];
}

export interface MetricsBody {
  cursor: number;
  unchanged: boolean;
  series: SeriesBody[];
}

export interface LogBody {
  name: string;
  offset: number;
  next_offset: number;
  size: number;
  text: string;
}

export interface FileList {
  files: FileRow[];
}

export interface ColumnInfo {
  key: string;
  label: string;
  group: string;
  numeric: boolean;
}

export interface TableRow {
  id: string;
  number: number;
  status: string;
  display_name: string | null;
  created_time: number;
  start_time: number | null;
  end_time: number | null;
  values: Record<string, Cell>;
}

export interface RunsTable {
  cursor: number;
  unchanged: boolean;
  total: number;
  offset: number;
  limit: number;
  status_counts: Record<string, number>;
  columns: ColumnInfo[];
  rows: TableRow[];
}

export interface ScatterPoint {
  id: string;
  number: number;
  status: string;
  display_name: string | null;
  x: number | null;
  y: number | null;
}

/** Which value of a column is best: the lowest or the highest. */
export type Goal = "min" | "max";

export interface ScatterBody {
  cursor: number;
  unchanged: boolean;
  x: ColumnInfo;
  y: ColumnInfo;
  points: ScatterPoint[];
  /** Set by the sweep (Y is its primary metric) or by the request's `goal`; null: neither. */
  goal: "min" | "max" | null;
  goal_source: "sweep" | "request" | null;
  /** The run with the best y under `goal` (decided by the server, never here). */
  best: string | null;
}

export interface RunSeries {
  id: string;
  number: number;
  display_name: string | null;
  count: number;
  x: number[];
  y: (number | null)[];
}

export interface OverlayBody {
  cursor: number;
  unchanged: boolean;
  metric: string;
  series: RunSeries[];
}

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
