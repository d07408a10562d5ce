"""The Gradio chat: a thin edge over the chain."""
