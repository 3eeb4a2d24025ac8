// Shared pieces of the sections besides the chat: the page frame, status
// lines, dates, and the API error that means "this server has no such
// part".

import { ApiError } from './api.js';
import { h, fill } from './dom.js';

/**
 * page mounts a scrolling page into root with a heading and a lede and
 * returns {body, status}: body takes the content, status(text, kind) sets
 * the live status line under the heading.
 */
export function page(root, id, title, lede) {
  const status = h('p', { class: 'page-status', id: id + '-status', role: 'status' });
  const body = h('div', { class: 'page__body' });
  fill(root, h('div', { class: 'page-scroll' },
    h('section', { class: 'page', id, 'aria-labelledby': id + '-title' },
      h('h1', { id: id + '-title', text: title }),
      lede ? h('p', { class: 'lede', text: lede }) : null,
      status, body)));
  return {
    body,
    status(text, kind = '') {
      status.textContent = text || '';
      status.className = 'page-status' + (kind ? ' page-status--' + kind : '');
    },
  };
}

/** missing reports whether err means the server lacks this part (404). */
export function missing(err) {
  return err instanceof ApiError && err.status === 404 && err.message.startsWith('no API endpoint');
}

/** unavailable is the note shown when the server lacks a part. */
export function unavailable(what) {
  return h('p', { class: 'card-note', text: `This OS1 server does not offer ${what}. It comes with os1 serve; update OS1 to get it.` });
}

const dateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const timeFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** day formats a time as a date; "" for the zero time. */
export function day(t) {
  const d = new Date(t);
  return isNaN(d) || d.getFullYear() < 1971 ? '' : dateFmt.format(d);
}

/** when formats a time as date and time; "" for the zero time. */
export function when(t) {
  const d = new Date(t);
  return isNaN(d) || d.getFullYear() < 1971 ? '' : timeFmt.format(d);
}

/** timeEl is a <time> element for t, shown as a date (or date and time). */
export function timeEl(t, withTime = false) {
  const text = withTime ? when(t) : day(t);
  return text ? h('time', { datetime: new Date(t).toISOString(), text }) : null;
}

/** svg creates an SVG element with attributes. */
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'text') el.textContent = v;
    else if (v !== undefined && v !== null && v !== false) el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) if (c) el.append(c);
  return el;
}

/** busy disables a button while fn runs. */
export async function busy(btn, fn) {
  btn.disabled = true;
  try {
    return await fn();
  } finally {
    btn.disabled = false;
  }
}
