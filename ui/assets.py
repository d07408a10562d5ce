"""The page's CSS and JavaScript: [n] clicks -> source panel, the question box's keys and counter,
the filter control (panel toggle, chips), plain-text labels for screen readers, the light/dark toggle."""

# Runs once when the source panel mounts. `trigger` and `watch` come from gr.HTML. A single
# document-level listener (capture phase, so the chat's own link handling never opens a tab)
# catches clicks on the answers' [n] links (Enter on a focused one is a click too) and on article
# titles in lists. After every update the panel scrolls to the focused <mark> (a clicked [n]) or to
# the first one (a new answer), below the sticky article header; a clicked [n] is also brought into
# the window when the panel sits below the chat (narrow screens).
PANEL_JS = r"""
window.__newsragTrigger = trigger;
if (!window.__newsragCiteListener) {
  window.__newsragCiteListener = true;
  document.addEventListener('click', (e) => {
    const link = e.target && e.target.closest ? e.target.closest('a.cite, a.open-article') : null;
    if (!link) return;
    e.preventDefault();
    e.stopPropagation();
    if (link.classList.contains('open-article')) {
      window.__newsragTrigger('click', {source: link.dataset.source});
      return;
    }
    const m = (link.getAttribute('href') || '').match(/^#cite-(\d+)-(\d+)$/);
    if (m) window.__newsragTrigger('click', {turn: Number(m[1]), n: Number(m[2])});
  }, true);
}
const place = (box, mark, share) => {
  const head = mark.closest('.source-card')?.querySelector('header');
  const headH = head ? head.offsetHeight : 0;
  const top = mark.getBoundingClientRect().top - box.getBoundingClientRect().top + box.scrollTop;
  box.scrollTop = Math.max(0, top - headH - Math.max(12, (box.clientHeight - headH) * share));
};
const showFocus = () => {
  const box = element.querySelector('.source-panel');
  if (!box) return;
  const focus = element.querySelector('mark.focus');
  const mark = focus || element.querySelector('mark.cited');
  if (!mark) { box.scrollTop = 0; return; }
  place(box, mark, focus ? 0.25 : 0.05);
  if (!focus) return;
  const r = mark.getBoundingClientRect();
  if (r.top < 0 || r.bottom > window.innerHeight) {
    element.scrollIntoView({block: 'start'});
    place(box, mark, 0.25);
  }
  mark.classList.remove('flash'); void mark.offsetWidth; mark.classList.add('flash');
};
watch('value', () => requestAnimationFrame(showFocus));
"""

# Runs on every question sent, before the server sees it. Enter was handled by PAGE_JS's key
# listener, which took the question out of the box at the very keystroke (so keys typed right after
# are never wiped or glued onto it) and left it in __newsragPending. A click on Ask or an example
# clears the box here instead. A question over the limit stays in the box (the server explains).
# MAX is replaced by the configured limit.
SUBMIT_JS = r"""
(q, ...rest) => {
  let sent = window.__newsragPending;
  window.__newsragPending = null;
  if (sent == null) {
    sent = q || '';
    const ta = document.querySelector('#question textarea');
    if (ta && sent.trim() && sent.trim().length <= MAX) {
      ta.value = ta.value.startsWith(sent) ? ta.value.slice(sent.length) : ta.value;
      ta.dispatchEvent(new Event('input', {bubbles: true}));
    }
  }
  if (sent.trim() && sent.trim().length <= MAX) {
    window.__newsragBusy = true;
    window.__newsragSent = sent;  // put back by DONE_JS if the server did not ask it (a filter to fix)
  }
  return [sent, ...rest];
}
"""

# After an answer (or a refused question): a question sent meanwhile with Enter is asked now. A
# question the server did not ask (the hint says so: a filter to fix) goes back in the box, in front
# of anything typed since, and the filter panel opens on the field to fix.
DONE_JS = r"""
() => {
  window.__newsragBusy = false;
  const sent = window.__newsragSent;
  window.__newsragSent = null;
  if (sent != null && document.querySelector('#question-hint [data-unsent]')) {
    window.__newsragQueued = false;
    const ta = document.querySelector('#question textarea');
    if (ta) { ta.value = sent + ta.value; ta.dispatchEvent(new Event('input', {bubbles: true})); }
    window.__newsragFilters?.(true);
    return [];
  }
  if (window.__newsragQueued) {
    window.__newsragQueued = false;
    const ta = document.querySelector('#question textarea');
    const msg = document.querySelector('#question-hint .q-msg');
    if (msg) msg.textContent = '';
    if (ta && window.__newsragTake(ta)) setTimeout(() => document.querySelector('#ask')?.click(), 150);
  }
  return [];
}
"""

# Page load: the saved theme; Esc clears the box; Enter takes the question out of the box at once
# (or, while an answer is coming, queues it and leaves it there); the characters counter and the
# too-long message follow the typing. A question taken but not sent within 2 s goes back in the box.
PAGE_JS = r"""
() => {
  if (localStorage.getItem('newsrag-theme') === 'dark') document.body.classList.add('dark');
  if (window.__newsragKeys) return [];
  window.__newsragKeys = true;
  const box = () => document.querySelector('#question textarea');
  const limit = () => Number(document.querySelector('#question-hint .q-count')?.dataset.max || 2000);
  const setBox = (ta, value) => { ta.value = value; ta.dispatchEvent(new Event('input', {bubbles: true})); };
  window.__newsragTake = (ta) => {
    const q = ta.value, n = q.trim().length;
    if (!n || n > limit()) return false;
    window.__newsragPending = q;
    setBox(ta, '');
    setTimeout(() => {
      if (window.__newsragPending !== q) return;
      window.__newsragPending = null;
      setBox(ta, q + ta.value);
    }, 2000);
    return true;
  };
  document.addEventListener('keydown', (e) => {
    if (e.target !== box() || e.isComposing) return;
    if (e.key === 'Escape') {
      setBox(e.target, '');
    } else if (e.key === 'Enter' && !e.shiftKey) {
      if (!window.__newsragBusy) { window.__newsragTake(e.target); return; }
      if (!e.target.value.trim()) return;
      window.__newsragQueued = true;
      const msg = document.querySelector('#question-hint .q-msg');
      if (msg) msg.textContent = 'Sent as soon as the current answer is done.';
    }
  }, true);
  // Gradio labels each chat message with its raw content, HTML and all: give screen readers the text.
  const labelled = new WeakMap();
  const plain = () => document.querySelectorAll('#chat [aria-label*="s message: "]').forEach((el) => {
    const label = el.getAttribute('aria-label');
    if (labelled.get(el) === label) return;
    const who = label.slice(0, label.indexOf("'s message: "));
    const text = (el.innerText || el.textContent || '').replace(/\s+/g, ' ').trim();
    const fixed = `${who === 'user' ? 'You asked' : 'newsrag answered'}: ${text}`;
    labelled.set(el, fixed);
    el.setAttribute('aria-label', fixed);
  });
  let pending = false;
  new MutationObserver(() => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; plain(); });
  }).observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true,
                             attributeFilter: ['aria-label']});
  plain();  // messages already on the page (a restored conversation)
  window.__newsragFilters = (open) => {
    const panel = document.querySelector('#filter-panel');
    if (!panel) return;
    const shown = panel.classList.toggle('open', open);
    document.querySelector('#filter-toggle')?.setAttribute('aria-expanded', String(shown));
    if (shown) (panel.querySelector('.date-note.bad')?.closest('.column')?.querySelector('input, textarea')
                || panel.querySelector('input, textarea'))?.focus();
  };
  document.querySelector('#filter-toggle')?.setAttribute('aria-expanded', 'false');
  document.addEventListener('input', (e) => {
    if (e.target !== box()) return;
    const count = document.querySelector('#question-hint .q-count');
    if (!count) return;
    const max = limit(), n = e.target.value.trim().length;
    count.textContent = n > max * 0.75 ? `${n.toLocaleString('en')} / ${max.toLocaleString('en')} characters` : '';
    count.classList.toggle('over', n > max);
    const msg = document.querySelector('#question-hint .q-msg');
    if (msg && n > max) msg.textContent = 'Too long to ask: shorten the question.';
    else if (msg && msg.textContent.startsWith('Too long')) msg.textContent = '';
  }, true);
  return [];
}
"""

# The Filters button and the panel's Done button: open or close the panel, in the page only.
TOGGLE_JS = r"""
() => { window.__newsragFilters?.(); return []; }
"""

# The chips under the chat: a chip's × asks the server to drop that filter (its kind and value).
CHIPS_JS = r"""
element.addEventListener('click', (e) => {
  const x = e.target && e.target.closest ? e.target.closest('.chip-x') : null;
  if (!x) return;
  e.preventDefault();
  trigger('click', {kind: x.dataset.kind, value: x.dataset.value});
});
"""

THEME_JS = r"""
() => {
  const dark = document.body.classList.toggle('dark');
  localStorage.setItem('newsrag-theme', dark ? 'dark' : 'light');
  return [];
}
"""

CSS = r"""
#source-panel .source-panel { max-height: calc(100vh - 265px); min-height: 240px; overflow: auto; position: relative;
  padding: 0 10px 4px; }
#source-panel .source-card { border-bottom: 1px solid var(--border-color-primary); padding: 0 0 14px; }
#source-panel .source-card header { position: sticky; top: 0; z-index: 2; padding: 8px 0 6px;
  background: var(--block-background-fill); border-bottom: 1px dashed var(--border-color-primary);
  box-shadow: 0 4px 4px -4px var(--border-color-primary); }
#source-panel .source-card header::after { content: ""; position: absolute; left: 0; right: 0; bottom: -16px;
  height: 16px; pointer-events: none; background: linear-gradient(var(--block-background-fill), transparent); }
#source-panel h3 { margin: 0 0 2px; font-size: 1.05em; }
#source-panel .source-meta, .src-name { color: var(--body-text-color-subdued); font-size: 0.85em; }
#source-panel .article-text { white-space: pre-wrap; line-height: 1.5; font-size: 0.92em; margin-top: 6px; }
#source-panel mark.cited { background: #fff1a8; color: #222; border-radius: 3px; padding: 0 2px; }
#source-panel mark.focus { background: #ffd34d; outline: 2px solid #e0a800; }
#source-panel mark.flash { animation: newsrag-flash 1.2s ease-out; }
@keyframes newsrag-flash { from { background: #ff9f1c; } to { background: #ffd34d; } }
#source-panel sup.cite-tag { color: #a66b00; font-weight: 600; margin-left: 1px; }
.dark #source-panel sup.cite-tag { color: #ffc94d; }
.panel-hint { color: var(--body-text-color-subdued); }
a.cite { font-weight: 600; text-decoration: none; padding: 0 1px; cursor: pointer; }
a.cite:hover, a.open-article:hover { text-decoration: underline; }
a.cite:focus-visible, a.open-article:focus-visible { outline: 2px solid var(--color-accent); border-radius: 2px; }
a.open-article { text-decoration: none; cursor: pointer; }
.answer-sources { margin-top: 8px; font-size: 0.88em; }
.answer-sources .src-title, .closest .src-title { font-weight: 500; }
.notice { margin-top: 6px; font-size: 0.85em; color: var(--body-text-color-subdued); }
.thinking { color: var(--body-text-color-subdued); font-style: italic; }
.answer-sources ul, .closest ul { margin: 2px 0 0 0; padding-left: 1.1em; }
#question-hint { min-height: 0; padding: 0 4px; }
.q-hint { display: flex; justify-content: space-between; gap: 8px; font-size: 0.85em; min-height: 1.1em;
  color: var(--body-text-color-subdued); }
.q-hint .q-msg { color: #b42318; }
.dark .q-hint .q-msg { color: #ff8a80; }
.q-count.over { color: #b42318; font-weight: 600; }
.dark .q-count.over { color: #ff8a80; }
#theme { max-width: 9em; align-self: start; }
.confirm { margin: 4px 0; }
.back-to-chat { display: none; }
@media (max-width: 768px) { .back-to-chat { display: inline-block; margin: 0 0 6px 10px; font-size: 0.9em; } }
/* Layout: a one-line header; chat and composer on the left; Articles, Settings, Sources on the right. */
#top { align-items: center; gap: 12px; }
#heading .heading { display: flex; align-items: baseline; gap: 14px; flex-wrap: wrap; }
#heading .brand { font-size: 1.45em; font-weight: 700; margin: 0; }
#heading .tagline { margin: 0; color: var(--body-text-color-subdued); font-size: 0.9em; }
#side { gap: 8px; }
#side .side-title { font-size: 1.1em; font-weight: 600; margin: 4px 0 0; }
#chat-actions { gap: 8px; flex-wrap: wrap; }
#chat-actions button, #chat-actions a { flex: 0 1 auto !important; }
#composer { position: relative; gap: 4px; overflow: visible; }
#ask-row { align-items: stretch; }
#filter-row { align-items: center; gap: 8px; flex-wrap: nowrap; }
#filter-toggle { white-space: nowrap; }
#filter-chips { min-width: 0; }
.chips { display: flex; gap: 4px 6px; flex-wrap: wrap; align-items: center; font-size: 0.85em; }
.chip { max-width: 100%; overflow: hidden; text-overflow: ellipsis; }
.chips-none { color: var(--body-text-color-subdued); white-space: nowrap; }
.chip { display: inline-flex; align-items: center; gap: 2px; white-space: nowrap; padding: 1px 2px 1px 9px;
  border-radius: 999px; background: var(--color-accent-soft); border: 1px solid var(--border-color-accent); }
.chip.bad { background: #fde8e7; border-color: #b42318; color: #b42318; }
.dark .chip.bad { background: #4a1512; color: #ff8a80; border-color: #ff8a80; }
.chip-x { border: 0; background: none; cursor: pointer; font-size: 1.1em; line-height: 1; padding: 0 6px;
  color: inherit; border-radius: 999px; }
.chip-x:hover, .chip-x:focus-visible { background: var(--border-color-primary); }
/* The filter panel opens above the composer, over the chat, and never pushes the question box away. */
#filter-panel { display: none !important; position: absolute; left: 0; right: 0; bottom: 100%; z-index: 30;
  margin-bottom: 6px; box-shadow: 0 -4px 18px rgba(0, 0, 0, 0.18); overflow: visible; }
#filter-panel.open { display: flex !important; }
#filter-panel .row { gap: 8px; }
#filter-panel .column { gap: 0; }
#filter-articles { align-items: flex-end; }
#filter-done { align-self: flex-end; max-height: 2.6em; margin-bottom: 10px; }
.date-note { font-size: 0.82em; min-height: 1.2em; padding: 2px 2px 0; color: var(--body-text-color-subdued); }
.date-note.bad { color: #b42318; }
.dark .date-note.bad { color: #ff8a80; }
#f-source ul.options li, #f-source .options .item { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.editorial { color: #5f6b7a; font-style: italic; border-bottom: 1px dotted currentColor; cursor: help; }
.dark .editorial { color: #a9b4c2; }
.sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden;
  clip: rect(0, 0, 0, 0); white-space: nowrap; border: 0; }
/* A phone: the composer is pinned to the bottom of the screen, so the question box is always in view. */
@media (max-width: 640px) {
  #heading .tagline { display: none; }
  #chat { height: calc(100vh - 330px) !important; }
  #composer { position: fixed; left: 0; right: 0; bottom: 0; z-index: 40; margin: 0; padding: 6px 8px 4px;
    background: var(--background-fill-primary); border-top: 1px solid var(--border-color-primary);
    box-shadow: 0 -2px 10px rgba(0, 0, 0, 0.12); }
  #filter-panel { max-height: calc(100vh - 170px); overflow-y: auto; }
  gradio-app .gradio-container { padding-bottom: 150px !important; }
}
.toast-wrap { top: auto !important; bottom: 16px; }  /* toasts at the bottom: never over the headings */
table.articles { width: 100%; font-size: 0.88em; }
table.articles td, table.articles th { padding: 2px 6px; text-align: left; vertical-align: top; }
.upload-status { margin: 0; padding-left: 1.1em; }
.upload-status .st-bad { color: #b42318; }
.upload-status .st-ok { color: #067647; }
.dark .upload-status .st-bad { color: #ff8a80; }
.dark .upload-status .st-ok { color: #7dd3a0; }
"""
