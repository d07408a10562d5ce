"""Gradio chat over the chain: answers stream in, numbered sources are listed under each answer."""

from __future__ import annotations

import html

import gradio as gr

from newsrag.errors import NewsragError
from newsrag.settings import Settings
from rag.chain import NewsChain

EXAMPLES = ["What did Russia demand?", "When and where will the US-Russia talks take place?",
            "Which TV channel interviewed Lavrov?", "How many Russian troops are near Ukraine's border?"]


def _safe(text: str) -> str:
    """Article text is untrusted: escape it so it renders as inert text, never as HTML or markdown."""
    return html.escape(" ".join(text.split())).replace("[", "&#91;").replace("*", "&#42;").replace("_", "&#95;")


def sources_markdown(result: dict) -> str:
    lines = [f"{_safe(result['answer'])}"]
    if result["citations"]:
        lines.append("\n**Sources**")
        for c in result["citations"]:
            lines.append(f"- &#91;{c['n']}&#93; *{_safe(c['source'])}* ({c['start']}–{c['end']}): “{_safe(c['text'])}”")
    return "\n".join(lines)


def build_app(chain: NewsChain) -> gr.Blocks:
    def respond(message: str, history: list[dict]):
        turns = [{"role": t["role"], "content": _plain(t["content"])} for t in history]
        partial = ""
        try:
            for event in chain.stream({"question": message, "history": turns}):
                if "delta" in event:
                    partial += event["delta"]
                    yield _safe(partial)
                else:
                    yield sources_markdown(event["answer"])
        except NewsragError as e:
            raise gr.Error(str(e)) from e

    return gr.ChatInterface(respond, examples=EXAMPLES, title="newsrag",
                            description="Ask about the indexed news articles; every statement cites its source.",
                            api_name="chat")


def _plain(content) -> str:
    if isinstance(content, str):
        return content.split("\n**Sources**")[0]
    if isinstance(content, list):
        return " ".join(c.get("text", "") for c in content if isinstance(c, dict))
    return str(content)


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860) -> None:
    from newsrag.app import build_chain

    build_app(build_chain(settings)).queue().launch(server_name=host, server_port=port, show_error=False)
