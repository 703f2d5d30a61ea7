"""Real-browser end-to-end tests (Chromium + Playwright); run with `pytest -m e2e`."""
