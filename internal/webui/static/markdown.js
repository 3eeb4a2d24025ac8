// A deliberately small Markdown subset, built from DOM nodes only:
// paragraphs, line breaks, bullet and numbered lists, fenced code blocks,
// **bold**, *emphasis* and `code`. Everything else stays literal text, so no
// message can inject markup, and links are not made clickable.

import { h } from './dom.js';

/** render returns a DocumentFragment for text. */
export function render(text) {
  const frag = document.createDocumentFragment();
  const lines = String(text).replace(/\r\n?/g, '\n').split('\n');
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (line.trim() === '') { i++; continue; }
    if (/^\s*```/.test(line)) {
      const body = [];
      i++;
      while (i < lines.length && !/^\s*```/.test(lines[i])) body.push(lines[i++]);
      i++; // closing fence (or end of text while streaming)
      frag.append(h('pre', {}, h('code', { text: body.join('\n') })));
      continue;
    }
    const bullet = /^\s*[-*•]\s+/;
    const numbered = /^\s*\d{1,3}[.)]\s+/;
    if (bullet.test(line) || numbered.test(line)) {
      const re = bullet.test(line) ? bullet : numbered;
      const list = h(re === bullet ? 'ul' : 'ol');
      while (i < lines.length && re.test(lines[i])) {
        list.append(h('li', {}, inline(lines[i].replace(re, ''))));
        i++;
      }
      frag.append(list);
      continue;
    }
    const para = [];
    while (i < lines.length && lines[i].trim() !== '' && !/^\s*```/.test(lines[i]) &&
           !(para.length && (bullet.test(lines[i]) || numbered.test(lines[i])))) {
      para.push(lines[i++]);
    }
    const p = h('p');
    para.forEach((l, n) => {
      if (n) p.append(h('br'));
      p.append(inline(l));
    });
    frag.append(p);
  }
  return frag;
}

const INLINE = /(`+)([^`]+?)\1|\*\*(?=\S)(.+?\S)\*\*|\*(?=[^\s*])([^*]*?[^\s*])\*/g;

/** inline returns a fragment for one line: code spans, bold, emphasis. */
export function inline(text) {
  const frag = document.createDocumentFragment();
  let last = 0;
  for (const m of text.matchAll(INLINE)) {
    if (m.index > last) frag.append(document.createTextNode(text.slice(last, m.index)));
    if (m[2] !== undefined) frag.append(h('code', { text: m[2] }));
    else if (m[3] !== undefined) frag.append(h('strong', {}, inline(m[3])));
    else frag.append(h('em', {}, inline(m[4])));
    last = m.index + m[0].length;
  }
  if (last < text.length) frag.append(document.createTextNode(text.slice(last)));
  return frag;
}
