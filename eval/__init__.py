"""Scripted QA evaluation: the bundled news set and SQuAD v2 files."""
