"""End-to-end tests of the browser pages, driven through Debian's Chromium."""
