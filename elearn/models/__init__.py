"""The data model. Import models from here."""
from .base import UTCDateTime, utcnow
from .content import CURRICULA, Module, Quiz
from .progress import Progress, QuizAttempt
from .user import ROLE_LABELS, Role, SetPasswordLink, User, UserSession

__all__ = [
    "CURRICULA", "ROLE_LABELS", "Module", "Progress", "Quiz", "QuizAttempt", "Role",
    "SetPasswordLink", "User", "UserSession", "UTCDateTime", "utcnow",
]
