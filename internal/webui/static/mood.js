// The person's mood over time: one point a day for the feeling in what they
// wrote (from -1, low, to 1, bright), drawn as an SVG line with a table of
// the same figures for screen readers. Nothing leaves the machine.

import { api } from './api.js';
import { h, fill } from './dom.js';
import { page, missing, unavailable, svg, day as fmtDay } from './ui.js';

// day formats a YYYY-MM-DD as a date, at noon so no time zone shifts it.
const day = (s) => fmtDay(s + 'T12:00:00');

const RANGES = [[14, 'Two weeks'], [30, 'A month'], [90, 'Three months']];

function tz() {
  try { return Intl.DateTimeFormat().resolvedOptions().timeZone || ''; } catch { return ''; }
}

function word(v) {
  if (v >= 0.5) return 'bright';
  if (v >= 0.15) return 'good';
  if (v > -0.15) return 'even';
  if (v > -0.5) return 'low';
  return 'heavy';
}

/** moodChart draws days (oldest first) as a line over -1..1. */
export function moodChart(days) {
  const W = innerWidth < 520 ? 360 : 640, H = 220, pad = { l: 44, r: 12, t: 14, b: 30 };
  const iw = W - pad.l - pad.r, ih = H - pad.t - pad.b;
  const x = (i) => pad.l + (days.length <= 1 ? iw / 2 : (i * iw) / (days.length - 1));
  const y = (v) => pad.t + ((1 - v) / 2) * ih;
  const scored = days.map((d, i) => [d, i]).filter(([d]) => d.scored > 0);
  const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'mood', id: 'mood-chart', role: 'img', 'aria-labelledby': 'mood-title mood-desc' },
    svg('title', { id: 'mood-title', text: 'Mood by day' }),
    svg('desc', { id: 'mood-desc', text: scored.length
      ? `${scored.length} days with a mood, from ${day(days[0].day)} to ${day(days[days.length - 1].day)}. Latest: ${word(scored[scored.length - 1][0].mean_compound)}.`
      : 'No mood yet.' }),
    svg('rect', { x: pad.l, y: pad.t, width: iw, height: ih / 2, class: 'mood__up' }),
    svg('rect', { x: pad.l, y: pad.t + ih / 2, width: iw, height: ih / 2, class: 'mood__down' }));
  for (const [v, label] of [[1, 'bright'], [0, 'even'], [-1, 'low']]) {
    chart.append(svg('line', { x1: pad.l, x2: W - pad.r, y1: y(v), y2: y(v), class: 'mood__grid' }),
      svg('text', { x: pad.l - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'mood__axis', text: label }));
  }
  const step = Math.max(1, Math.ceil(days.length / (W < 640 ? 4 : 6)));
  days.forEach((d, i) => {
    if ((i % step === 0 && days.length - 1 - i >= step * 0.8) || i === days.length - 1) {
      chart.append(svg('text', { x: x(i), y: H - 8, 'text-anchor': i === 0 ? 'start' : i === days.length - 1 ? 'end' : 'middle', class: 'mood__axis', text: d.day.slice(5).replace('-', '/') }));
    }
  });
  if (scored.length > 1) {
    chart.append(svg('path', { class: 'mood__line', d: scored.map(([d, i], n) => `${n ? 'L' : 'M'}${x(i).toFixed(1)},${y(d.mean_compound).toFixed(1)}`).join(' ') }));
  }
  for (const [d, i] of scored) {
    chart.append(svg('circle', { cx: x(i), cy: y(d.mean_compound), r: Math.min(9, 3.5 + Math.sqrt(d.messages)), class: 'mood__dot', 'data-day': d.day },
      svg('title', { text: `${day(d.day)}: ${word(d.mean_compound)} (${d.messages} messages)` })));
  }
  return chart;
}

/** moodView mounts the mood section. */
export function moodView(root) {
  const { body } = page(root, 'mood', 'Your mood',
    'How what you wrote felt, day by day. It is worked out on this machine from your words, and it is only a rough guide: you know best how you are.');
  const picker = h('div', { class: 'tabs', role: 'group', 'aria-label': 'Time span' });
  const out = h('div', { class: 'card-box', 'aria-live': 'polite' });
  body.append(picker, out);
  let days = 30;

  async function load() {
    fill(picker, ...RANGES.map(([n, label]) => h('button', { type: 'button', class: 'tab', 'aria-pressed': String(n === days), text: label,
      on: { click: () => { days = n; load(); } } })));
    try {
      const res = await api('GET', `/mood?days=${days}&tz=${encodeURIComponent(tz())}`);
      const list = res.days || [];
      const scored = list.filter((d) => d.scored > 0);
      const feelings = {};
      for (const d of list) for (const [k, n] of Object.entries(d.emotions || {})) if (k !== 'neutral') feelings[k] = (feelings[k] || 0) + n;
      const top = Object.entries(feelings).sort((a, b) => b[1] - a[1]).slice(0, 5);
      fill(out, 
        moodChart(list),
        scored.length ? null : h('p', { class: 'empty-note', text: 'No mood to show yet: it appears as we talk.' }),
        top.length ? h('p', {}, 'Feelings that came up most: ', top.map(([k, n]) => `${k} (${n})`).join(', '), '.') : null,
        h('details', { class: 'mood-table' }, h('summary', { text: 'The figures as a table' }),
          h('table', {}, h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: 'Day' }), h('th', { scope: 'col', text: 'Messages' }), h('th', { scope: 'col', text: 'Mood' }))),
            h('tbody', {}, scored.map((d) => h('tr', {}, h('td', { text: day(d.day) }), h('td', { text: String(d.messages) }),
              h('td', { text: `${word(d.mean_compound)} (${d.mean_compound.toFixed(2)})` })))))));
      root.dataset.ready = 'true';
    } catch (e) {
      fill(out, missing(e) ? unavailable('a mood timeline') : h('p', { class: 'form-error', role: 'alert', text: e.message }));
    }
  }
  load();
}
