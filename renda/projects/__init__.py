"""Livelihood projects (民生实事项目): candidates, the deputies' vote, progress, supervision and evaluation."""
