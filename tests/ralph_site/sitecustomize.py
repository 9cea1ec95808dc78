"""Put on PYTHONPATH of the Ralph LRS process only (tests/test_xapi.py), never of the app.

Ralph 5.1.0's file-system LRS backend writes every batch of statements to its one file
(``fs_lrs.jsonl``) with the data backend's default operation type CREATE, which refuses a file that
exists: the LRS stores its first request and answers 500 "Statement indexation failed" to every later
one. Its data backend supports APPEND; this makes the LRS backend append. Nothing else is changed.
"""
import importlib.abc
import sys

_MODULE = "ralph.backends.lrs.fs"


class _AppendWhenLoaded(importlib.abc.MetaPathFinder):
    """Patch the class right after Ralph imports its module (settings stay read as Ralph reads them)."""

    def find_spec(self, fullname, path, target=None):
        if fullname != _MODULE:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        loader = spec.loader
        original = loader.exec_module

        def exec_module(module):
            original(module)
            from ralph.backends.data.base import BaseOperationType

            module.FSLRSBackend.default_operation_type = BaseOperationType.APPEND

        loader.exec_module = exec_module
        return spec


import importlib.util  # noqa: E402

sys.meta_path.insert(0, _AppendWhenLoaded())
