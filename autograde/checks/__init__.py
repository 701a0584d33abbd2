"""Trusted checks, one module per notebook (named as its file stem). Instructor-only: never shipped to students."""
