// The conversation: history with paging, sending with a streamed reply,
// interrupted replies with their reason and a Retry button.

import { api, stream, ApiError } from './api.js';
import { h } from './dom.js';
import { render } from './markdown.js';

const PAGE = 30;

/** sentence starts text with a capital and ends it with a full stop. */
function sentence(text) {
  const t = String(text || '').trim();
  if (!t) return '';
  return t[0].toUpperCase() + t.slice(1) + (/[.!?…]$/.test(t) ? '' : '.');
}

/** isCrisis reports whether a reply is the safety guard's crisis reply. */
function isCrisis(m) {
  return m.role === 'assistant' && (m.guard === 'crisis' || String(m.source || '').startsWith('guard:crisis'));
}

/** chatView mounts the chat into root for the signed-in person (me). */
export function chatView(root, me) {
  const companion = me.companion?.name || 'your companion';
  const log = h('div', { class: 'log', id: 'log', role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions', 'aria-label': 'Conversation' });
  const earlier = h('button', { type: 'button', class: 'btn btn--quiet earlier', id: 'earlier', hidden: true, text: 'Load earlier messages' });
  const scroller = h('div', { class: 'scroller', id: 'scroller' }, h('div', { class: 'column' }, earlier, log));
  const note = h('p', { class: 'chat-status', id: 'chat-status', role: 'status' });
  const input = h('textarea', { id: 'composer-input', rows: 1, maxlength: 32000, placeholder: `Write to ${companion}…`, 'aria-describedby': 'composer-hint', enterkeyhint: 'send' });
  const send = h('button', { type: 'submit', class: 'btn send', id: 'send', text: 'Send' });
  const form = h('form', { class: 'composer', id: 'composer' },
    h('div', { class: 'column' },
      note,
      h('label', { for: 'composer-input', class: 'sr-only', text: `Message to ${companion}` }),
      h('div', { class: 'composer__row' }, input, send),
      h('p', { class: 'composer__hint', id: 'composer-hint', text: 'Enter to send · Shift+Enter for a new line' })));
  root.replaceChildren(h('section', { class: 'chat', 'aria-label': `Conversation with ${companion}` }, scroller, form));

  const state = { conv: null, oldest: 0, hasMore: false, loading: false, busy: false };

  // ---- rendering ----

  function messageEl(m) {
    const mine = m.role === 'user';
    const body = h('div', { class: 'msg__body' });
    const el = h('article', { class: `msg ${mine ? 'msg--me' : 'msg--them'}`, 'aria-label': mine ? 'You said' : `${companion} said` },
      h('p', { class: 'sr-only', text: mine ? 'You:' : `${companion}:` }), body);
    update(el, m);
    return el;
  }

  function update(el, m) {
    if (m.id) el.dataset.id = m.id;
    if (m.source) el.dataset.source = m.source;
    el.dataset.status = m.status || 'complete';
    el.querySelector('.msg__body').replaceChildren(render(m.content || ''));
    el.setAttribute('aria-busy', m.status === 'streaming' ? 'true' : 'false');
    el.querySelector('.msg__note')?.remove();
    el.querySelector('.msg__crisis')?.remove();
    if (isCrisis(m)) {
      el.classList.add('msg--crisis');
      el.setAttribute('aria-label', `${companion} shared where to find help`);
      el.prepend(h('p', { class: 'msg__crisis', role: 'note' },
        h('strong', { text: 'You do not have to go through this alone.' }),
        ' If you are in danger, call your local emergency number now. The people below are there to listen, any time.'));
    }
    if (m.status === 'interrupted') {
      el.append(h('p', { class: 'msg__note', text: `Interrupted — ${m.error || 'the reply did not finish'}.` }));
    }
  }

  function emptyState() {
    if (log.children.length) return;
    const who = me.user?.display_name || me.user?.name || '';
    log.append(h('div', { class: 'empty', id: 'empty' },
      h('p', { class: 'empty__hello', text: who ? `Hello, ${who}.` : 'Hello.' }),
      h('p', { text: `This is where you and ${companion} talk. Say anything — how your day went, what is on your mind.` })));
  }

  // Retry is offered on the last reply when it was cut off, or when the
  // last message is the person's with no reply at all.
  function refreshRetry() {
    log.querySelectorAll('.retry').forEach((b) => b.remove());
    if (state.busy) return;
    const all = log.querySelectorAll('.msg');
    const last = all[all.length - 1];
    if (!last) return;
    const cut = last.dataset.status === 'interrupted' || (last.classList.contains('msg--me') && last.dataset.id);
    if (!cut) return;
    // An answer in the first meeting was not waiting for a reply.
    if (last.classList.contains('msg--me') && last.previousElementSibling?.dataset.source === 'onboarding') {
      if (!note.textContent) say(`That was our first meeting. Write to ${companion} whenever you are ready`);
      return;
    }
    last.append(h('button', { type: 'button', class: 'btn btn--quiet retry', text: 'Retry', on: { click: retry } }));
  }

  const nearBottom = () => scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
  const toBottom = () => { scroller.scrollTop = scroller.scrollHeight; };

  function say(text, kind = '') {
    note.textContent = sentence(text);
    note.className = 'chat-status' + (kind ? ' chat-status--' + kind : '');
  }

  // ---- history ----

  async function loadPage() {
    if (state.loading) return;
    state.loading = true;
    earlier.disabled = true;
    try {
      const q = `?limit=${PAGE}` + (state.oldest ? `&before=${state.oldest}` : '');
      const res = await api('GET', `/conversations/${state.conv.id}/messages${q}`);
      const before = scroller.scrollHeight - scroller.scrollTop;
      const frag = document.createDocumentFragment();
      for (const m of res.messages) frag.append(messageEl(m));
      if (res.messages.length) {
        document.getElementById('empty')?.remove();
        state.oldest = res.messages[0].id;
      }
      log.prepend(frag);
      state.hasMore = res.has_more;
      earlier.hidden = !res.has_more;
      scroller.scrollTop = scroller.scrollHeight - before; // keep the view where it was
    } catch (e) {
      say(`Could not load earlier messages: ${e.message}`, 'error');
    } finally {
      state.loading = false;
      earlier.disabled = false;
    }
  }

  earlier.addEventListener('click', loadPage);
  scroller.addEventListener('scroll', () => {
    if (state.hasMore && !state.loading && scroller.scrollTop < 60) loadPage();
  }, { passive: true });

  // ---- a turn ----

  async function turn(path, body, mine) {
    state.busy = true;
    send.disabled = true;
    refreshRetry();
    say('');
    let reply = null;
    let stored = false;
    let finished = false;
    let pending = '';
    let frame = 0;
    let text = '';
    const paint = () => {
      frame = 0;
      if (!reply) return;
      const stick = nearBottom();
      text += pending;
      pending = '';
      update(reply, { id: reply.dataset.id, content: text, status: 'streaming' });
      if (stick) toBottom();
    };
    try {
      await stream(path, body, (type, ev) => {
        switch (type) {
          case 'message':
            stored = true;
            if (mine) update(mine, ev.message);
            break;
          case 'reply':
            reply = messageEl(ev.message);
            reply.querySelector('.msg__body').append(h('span', { class: 'typing', 'aria-hidden': 'true' }, h('i'), h('i'), h('i')));
            log.append(reply);
            toBottom();
            break;
          case 'delta':
            pending += ev.delta || '';
            if (!frame) frame = requestAnimationFrame(paint);
            break;
          case 'done':
            finished = true;
            if (frame) cancelAnimationFrame(frame);
            frame = 0;
            if (reply && ev.message) update(reply, ev.message);
            else if (ev.message) log.append(messageEl(ev.message));
            toBottom();
            break;
          case 'error': {
            finished = true;
            if (frame) cancelAnimationFrame(frame);
            frame = 0;
            if (reply && ev.message) update(reply, ev.message);
            const saved = stored ? ' Your message is saved — you can retry.' : '';
            say(`${sentence(ev.error?.message || 'the reply failed')}${saved}`, 'error');
            break;
          }
        }
      });
      if (!finished) {
        if (reply) { paint(); update(reply, { id: reply.dataset.id, content: text, status: 'interrupted', error: 'the reply stopped early' }); }
        say('The reply did not arrive. Your message is saved — you can retry.', 'error');
      }
    } catch (e) {
      if (frame) cancelAnimationFrame(frame);
      if (reply) {
        paint();
        update(reply, { id: reply.dataset.id, content: text, status: 'interrupted', error: 'the connection was lost' });
      }
      if (!stored && mine) {
        mine.remove();
        if (!input.value) input.value = body.content;
        say(e.message, 'error');
      } else {
        say(`${sentence(e.message)} Your message is saved — you can retry.`, 'error');
      }
      if (e instanceof ApiError && e.status === 401) location.reload();
    } finally {
      state.busy = false;
      send.disabled = false;
      refreshRetry();
      toBottom();
    }
  }

  async function submit() {
    const content = input.value;
    if (!content.trim() || state.busy) return;
    document.getElementById('empty')?.remove();
    const mine = messageEl({ role: 'user', content, status: 'complete' });
    mine.dataset.sending = 'true';
    log.append(mine);
    toBottom();
    input.value = '';
    grow();
    await turn(`/conversations/${state.conv.id}/messages`, { content }, mine);
    delete mine.dataset.sending;
  }

  function retry() {
    if (state.busy) return;
    turn(`/conversations/${state.conv.id}/retry`, undefined, null);
  }

  function grow() {
    input.style.height = '';
    if (!input.value) return;
    input.style.height = Math.min(input.scrollHeight, 200) + 'px';
  }

  form.addEventListener('submit', (e) => { e.preventDefault(); submit(); });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      submit();
    }
  });
  input.addEventListener('input', grow);

  // ---- start ----

  (async () => {
    try {
      const list = await api('GET', '/conversations?limit=1');
      state.conv = list.conversations[0] || await api('POST', '/conversations', {});
      await loadPage();
      emptyState();
      refreshRetry();
      toBottom();
      root.dataset.ready = 'true';
      performance.mark('os1-chat-ready');
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) { location.reload(); return; }
      say(`Could not open the conversation: ${e.message}`, 'error');
    }
    input.focus();
  })();
}
