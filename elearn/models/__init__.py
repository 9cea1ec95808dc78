"""The data model. Import models from here."""
from .audit import AUDIT_ACTIONS, AuditEntry
from .base import UTCDateTime, utcnow
from .cases import SHEET_FIELDS, CaseSheet
from .board import (MODERATION_ACTIONS, REPORT_REASONS, BoardAuthorReveal, BoardModerationLog, BoardPost,
                    BoardReaction, BoardReport, BoardThread)
from .cohort import (ATTENDED_VALUES, COHORT_CURRICULA, NOT_RECORDED, Attendance, AttendanceChange, AttendanceMethod,
                     AttendanceStatus, Certificate,
                     Cohort, CohortDay, Enrolment, RosterImport, cohort_modules, cohort_organisers)
from .content import CURRICULA, Module, Quiz
from .evaluation import (PHASES, AssessmentAttempt, AssessmentForm, CohortEvaluation, QuestionChoice, QuestionResult,
                         Survey, SurveyAnswer, SurveyResponded, SurveyResponse, random_id)
from .groups import GroupMember, GroupPlan
from .mail import CohortReminder, MailPreference, Notification
from .outbox import OUTBOX_STATUSES, OutboxItem
from .lti import LtiAccount, LtiContext, LtiDeployment, LtiGradeLink, LtiLaunchState, LtiPlatform
from .printing import DEFAULT_CERTIFICATE_TITLE, CertificateSettings
from .search import SEARCH_KINDS, SearchDocument
from .progress import Progress, ProgressStatus, QuizAttempt
from .xapi import XapiStatement
from .user import ROLE_LABELS, Role, SetPasswordLink, User, UserSession

__all__ = [
    "AUDIT_ACTIONS", "AuditEntry",
    "ATTENDED_VALUES", "Attendance", "AttendanceChange", "AttendanceMethod", "AttendanceStatus", "NOT_RECORDED",
    "COHORT_CURRICULA", "CURRICULA", "CaseSheet", "Certificate", "CertificateSettings", "Cohort",
    "DEFAULT_CERTIFICATE_TITLE", "CohortDay", "Enrolment", "GroupMember", "GroupPlan", "MODERATION_ACTIONS",
    "REPORT_REASONS", "ROLE_LABELS", "SHEET_FIELDS",
    "BoardAuthorReveal", "BoardModerationLog", "BoardPost", "BoardReaction", "BoardReport",
    "BoardThread", "Module", "Progress", "ProgressStatus", "Quiz", "QuizAttempt", "Role", "RosterImport", "SEARCH_KINDS", "SearchDocument", "SetPasswordLink", "User",
    "UserSession", "UTCDateTime", "cohort_modules", "cohort_organisers", "utcnow",
    "CohortReminder", "MailPreference", "Notification", "OUTBOX_STATUSES", "OutboxItem",
    "PHASES", "AssessmentAttempt", "AssessmentForm", "CohortEvaluation", "QuestionChoice", "QuestionResult",
    "Survey", "SurveyAnswer", "SurveyResponded", "SurveyResponse", "random_id",
    "LtiAccount", "LtiContext", "LtiDeployment", "LtiGradeLink", "LtiLaunchState", "LtiPlatform",
    "XapiStatement",
]
