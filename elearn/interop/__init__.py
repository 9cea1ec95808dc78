"""Interop, content out (and questions in): SCORM 1.2 packages, GIFT and Moodle XML quiz files.

Built on the content package only (the catalog read from the content folder, the one Markdown
renderer, the question types); no Flask views here.
"""
