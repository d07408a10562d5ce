"""Answer backends that ask a language model, then verify its citations."""
