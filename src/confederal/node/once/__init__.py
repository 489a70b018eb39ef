"""One-time form tokens: a form submitted twice (back and resubmit, a double click) acts once."""
