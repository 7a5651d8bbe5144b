"""The written report (《舆情处置情况报告》) of an incident: Markdown, docx and a timeline chart."""
