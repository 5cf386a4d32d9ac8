// The CLI's HTTP client: JSON in, JSON out; a problem+json answer becomes an ApiError carrying the
// stable code, and an unreachable broker a ConnectError, so commands can map them to exit codes.

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export class ConnectError extends Error {}

export async function api<T>(baseUrl: string, method: string, path: string, body?: unknown, init?: { signal?: AbortSignal }): Promise<T> {
  let res: Response;
  try {
    res = await fetch(baseUrl.replace(/\/+$/, '') + path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(init?.signal ? { signal: init.signal } : {}),
    });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ConnectError(`cannot reach the broker at ${baseUrl}: ${((e as Error).cause as Error | undefined)?.message ?? (e as Error).message}`);
  }
  const text = await res.text();
  if (!res.ok) {
    let code = 'http.' + res.status;
    let message = text;
    try {
      const p = JSON.parse(text) as { code?: string; detail?: string; title?: string };
      code = p.code ?? code;
      message = p.detail ?? p.title ?? text;
    } catch {
      /* not problem+json */
    }
    throw new ApiError(res.status, code, message);
  }
  return (text.length > 0 ? JSON.parse(text) : undefined) as T;
}
