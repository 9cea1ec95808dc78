"""The data model. Import models from here."""
from .base import UTCDateTime, utcnow
from .cases import SHEET_FIELDS, CaseSheet
from .board import (BOARD_CATEGORIES, MODERATION_ACTIONS, REPORT_REASONS, BoardAuthorReveal, BoardCategory,
                    BoardModerationLog, BoardPost, BoardReaction, BoardReport, BoardThread)
from .content import CURRICULA, Module, Quiz
from .progress import Progress, QuizAttempt
from .user import ROLE_LABELS, Role, SetPasswordLink, User, UserSession

__all__ = [
    "BOARD_CATEGORIES", "CURRICULA", "CaseSheet", "MODERATION_ACTIONS", "REPORT_REASONS", "ROLE_LABELS",
    "SHEET_FIELDS", "BoardAuthorReveal", "BoardCategory", "BoardModerationLog", "BoardPost", "BoardReaction",
    "BoardReport", "BoardThread", "Module", "Progress", "Quiz", "QuizAttempt", "Role", "SetPasswordLink", "User",
    "UserSession", "UTCDateTime", "utcnow",
]
