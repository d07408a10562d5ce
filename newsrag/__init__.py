"""newsrag: question answering over news articles with exact, checkable citations."""
