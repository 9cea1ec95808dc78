"""The data model. Import models from here."""
from .base import UTCDateTime, utcnow
from .cases import SHEET_FIELDS, CaseSheet
from .content import CURRICULA, Module, Quiz
from .progress import Progress, QuizAttempt
from .user import ROLE_LABELS, Role, SetPasswordLink, User, UserSession

__all__ = [
    "CURRICULA", "CaseSheet", "SHEET_FIELDS", "ROLE_LABELS", "Module", "Progress", "Quiz", "QuizAttempt", "Role",
    "SetPasswordLink", "User", "UserSession", "UTCDateTime", "utcnow",
]
