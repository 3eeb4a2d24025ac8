// The page's only way to the server: JSON over fetch, and a streamed turn
// read as Server-Sent Events from a fetch body.

/** ApiError is a failed API call: HTTP status, error code and message. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || `request failed (${status})`);
    this.status = status;
    this.code = code || '';
  }
}

async function errorOf(res) {
  let code = '', message = '';
  try {
    const body = await res.json();
    code = body?.error?.code || '';
    message = body?.error?.message || '';
  } catch { /* not JSON */ }
  return new ApiError(res.status, code, message || `${res.status} ${res.statusText}`);
}

/** api calls /api/v1 + path and returns the decoded JSON (null for 204). */
export async function api(method, path, body) {
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch('/api/v1' + path, init);
  } catch (e) {
    throw new ApiError(0, 'network', 'Cannot reach OS1. Is the server running?');
  }
  if (!res.ok) throw await errorOf(res);
  if (res.status === 204) return null;
  return res.json();
}

/**
 * stream POSTs body to /api/v1 + path asking for Server-Sent Events and
 * calls onEvent(type, data) for each event as it arrives. It resolves when
 * the stream ends. A refusal before the stream starts throws ApiError; a
 * stream that breaks off throws ApiError with code "network".
 */
export async function stream(path, body, onEvent, signal) {
  let res;
  try {
    res = await fetch('/api/v1' + path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { Accept: 'text/event-stream', 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (e) {
    throw new ApiError(0, 'network', 'Cannot reach OS1. Is the server running?');
  }
  if (!res.ok) throw await errorOf(res);
  if (!(res.headers.get('Content-Type') || '').startsWith('text/event-stream')) {
    const data = await res.json().catch(() => null);
    onEvent('done', data && data.reply ? { message: data.reply } : {});
    return;
  }
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  const parser = sseParser(onEvent);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      parser.push(value);
    }
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw new ApiError(0, 'network', 'The connection was lost while the reply was coming in.');
  }
  parser.push('\n\n');
}

/**
 * sseParser returns {push(text)}: it splits the text/event-stream format
 * into events (event:, data: lines; blank line ends an event; ":" comments
 * ignored) and calls onEvent(type, parsedJSON).
 */
export function sseParser(onEvent) {
  let buf = '';
  let type = '';
  let data = [];
  const dispatch = () => {
    if (data.length) {
      let parsed;
      try { parsed = JSON.parse(data.join('\n')); } catch { parsed = { raw: data.join('\n') }; }
      onEvent(type || parsed.type || 'message', parsed);
    }
    type = '';
    data = [];
  };
  return {
    push(chunk) {
      buf += chunk;
      let nl;
      while ((nl = buf.search(/\r\n|\r|\n/)) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + (buf.startsWith('\r\n', nl) ? 2 : 1));
        if (line === '') { dispatch(); continue; }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (field === 'event') type = value;
        else if (field === 'data') data.push(value);
      }
    },
  };
}
