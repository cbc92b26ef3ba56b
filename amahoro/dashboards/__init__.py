"""Favourites (saved visualizer views) and dashboards (ordered favourites and text items), with the
dashboard each role lands on."""
