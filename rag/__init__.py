"""Retrieval-augmented answering: retrieve -> answer -> chain."""
