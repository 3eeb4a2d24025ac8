// Small DOM helpers. Text is only ever set with textContent: nothing in
// this page turns a string into markup.

/**
 * h creates an element. attrs: plain attributes, plus "class", "text"
 * (textContent), "on" ({event: handler}) and boolean attributes as true/false.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') el.textContent = v;
    else if (k === 'class') el.className = v;
    else if (k === 'on') for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
    else if (k.startsWith('on')) throw new Error('use "on" for event handlers');
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** $ finds an element by id. */
export const $ = (id) => document.getElementById(id);

/** clear removes all children of el. */
export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
}

/** fill replaces el's children with the given ones, skipping null, undefined and false and flattening arrays. */
export function fill(el, ...children) {
  el.replaceChildren(...children.flat(2).filter((c) => c !== null && c !== undefined && c !== false));
  return el;
}

/**
 * keyCopier returns a "Copy key" button for the secret shown in el, and the
 * status line it reports in. Where the clipboard is refused, it selects the
 * key so that the person can copy it by hand.
 */
export function keyCopier(el, secret, id) {
  const status = h('span', { class: 'copied', role: 'status' });
  const button = h('button', { type: 'button', class: 'btn btn--quiet', text: 'Copy key' });
  if (id) button.id = id;
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(secret);
      status.textContent = 'Copied.';
    } catch {
      const range = document.createRange();
      range.selectNodeContents(el);
      getSelection().removeAllRanges();
      getSelection().addRange(range);
      status.textContent = 'Selected — press Ctrl+C (or ⌘C) to copy.';
    }
  });
  return { button, status };
}
