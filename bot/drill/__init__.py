"""Drills (演练): run a plan offline on a virtual clock, scripted or played at the terminal."""
