"""The course pipeline: build the student release, grade a class, return feedback, export grades.

Run ``python -m autograde --help``. Configuration is ``nbgrader_config.py`` at the repository root.
"""
