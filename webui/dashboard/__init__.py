"""The stockwatch dashboard app: watchlist, symbol charts, status strip."""
