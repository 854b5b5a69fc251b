"""Annual report-backs (述职报告): publishing, the archive and the yearly overview."""
