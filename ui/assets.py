"""The page's CSS and the one bit of JavaScript: [n] clicks in the chat -> source panel update."""

# Runs once when the source panel mounts. `trigger` and `watch` come from gr.HTML. A single
# document-level listener (capture phase, so the chat's own link handling never opens a tab)
# catches clicks on the answers' [n] links; the panel scrolls its focused <mark> into view after
# every update.
PANEL_JS = r"""
window.__newsragTrigger = trigger;
if (!window.__newsragCiteListener) {
  window.__newsragCiteListener = true;
  document.addEventListener('click', (e) => {
    const a = e.target && e.target.closest ? e.target.closest('a.cite') : null;
    if (!a) return;
    const m = (a.getAttribute('href') || '').match(/^#cite-(\d+)-(\d+)$/);
    if (!m) return;
    e.preventDefault();
    e.stopPropagation();
    window.__newsragTrigger('click', {turn: Number(m[1]), n: Number(m[2])});
  }, true);
}
const showFocus = () => {
  const box = element.querySelector('.source-panel');
  const mark = element.querySelector('mark.focus');
  if (!box || !mark) return;
  box.scrollTop = Math.max(0, mark.offsetTop - box.clientHeight / 3);
  mark.classList.remove('flash'); void mark.offsetWidth; mark.classList.add('flash');
};
watch('value', showFocus);
"""

CSS = r"""
#source-panel .source-panel { max-height: 72vh; overflow: auto; position: relative; padding: 0 10px 4px; }
#source-panel .source-card { border-bottom: 1px solid var(--border-color-primary); padding: 8px 0 14px; }
#source-panel .source-card header { position: sticky; top: -1px; z-index: 1; padding: 6px 0 4px;
  background: var(--background-fill-primary); border-bottom: 1px dashed var(--border-color-primary); }
#source-panel h3 { margin: 0 0 2px; font-size: 1.05em; }
#source-panel .source-meta, .src-name { color: var(--body-text-color-subdued); font-size: 0.85em; }
#source-panel .article-text { white-space: pre-wrap; line-height: 1.5; font-size: 0.92em; margin-top: 6px; }
#source-panel mark.cited { background: #fff1a8; color: #222; border-radius: 3px; padding: 0 2px; }
#source-panel mark.focus { background: #ffd34d; outline: 2px solid #e0a800; }
#source-panel mark.flash { animation: newsrag-flash 1.2s ease-out; }
@keyframes newsrag-flash { from { background: #ff9f1c; } to { background: #ffd34d; } }
#source-panel sup.cite-tag { color: #a66b00; font-weight: 600; margin-left: 1px; }
.panel-hint { color: var(--body-text-color-subdued); }
a.cite { font-weight: 600; text-decoration: none; padding: 0 1px; cursor: pointer; }
a.cite:hover { text-decoration: underline; }
.answer-sources { margin-top: 8px; font-size: 0.88em; }
.answer-sources .src-title, .closest .src-title { font-weight: 500; }
.notice { margin-top: 6px; font-size: 0.85em; color: var(--body-text-color-subdued); }
.answer-sources ul, .closest ul { margin: 2px 0 0 0; padding-left: 1.1em; }
table.articles { width: 100%; font-size: 0.88em; }
table.articles td, table.articles th { padding: 2px 6px; text-align: left; vertical-align: top; }
.upload-status { margin: 0; padding-left: 1.1em; }
.upload-status .st-bad { color: #b42318; }
.upload-status .st-ok { color: #067647; }
"""
