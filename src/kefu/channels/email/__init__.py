"""The email channel: SMTP listener and IMAP poller in, threaded replies out (README.md)."""
