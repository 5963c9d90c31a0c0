"""The backup copy (Regulation (EU) 2023/1542 Art. 78(e)): signed archives of an operator's
passports that another instance verifies and serves read-only. Format: see format.py."""
