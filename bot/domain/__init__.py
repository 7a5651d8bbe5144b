"""Pure core of yuqing-bot: plan model, grading, lifecycle and obligation timing (no I/O)."""
