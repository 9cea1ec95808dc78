"""The data model. Import models from here."""
from .base import UTCDateTime, utcnow
from .board import (BOARD_CATEGORIES, MODERATION_ACTIONS, REPORT_REASONS, BoardAuthorReveal, BoardCategory,
                    BoardModerationLog, BoardPost, BoardReaction, BoardReport, BoardThread)
from .content import CURRICULA, Module, Quiz
from .progress import Progress, QuizAttempt
from .user import ROLE_LABELS, Role, SetPasswordLink, User, UserSession

__all__ = [
    "BOARD_CATEGORIES", "CURRICULA", "MODERATION_ACTIONS", "REPORT_REASONS", "ROLE_LABELS",
    "BoardAuthorReveal", "BoardCategory", "BoardModerationLog", "BoardPost", "BoardReaction", "BoardReport",
    "BoardThread", "Module", "Progress", "Quiz", "QuizAttempt", "Role", "SetPasswordLink", "User",
    "UserSession", "UTCDateTime", "utcnow",
]
