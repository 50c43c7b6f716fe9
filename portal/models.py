"""Every model, imported in one place so Alembic and the app see the whole schema."""
from portal.admin.models import Agency, AgencyKind, Field  # noqa: F401
from portal.audit.models import AuditEvent  # noqa: F401
from portal.auth.models import LoginSession, Role, User  # noqa: F401
from portal.jobs.models import BackgroundJob, ReminderSent  # noqa: F401
from portal.calendar.models import (  # noqa: F401
    DayShift,
    DialogueSession,
    HolidayOverride,
    Plan,
    Program,
    SessionKind,
    SessionStatus,
    TimingRule,
)
from portal.petitions.models import Channel, Petition, SubmitterKind  # noqa: F401
from portal.preparation.models import (  # noqa: F401
    ChecklistItem,
    ChecklistTemplateItem,
    Invitee,
    InviteeKind,
    Reply,
)
from portal.runner.models import Amendment, Attendance, Speaker, SpeakerStatus, TimelineEntry  # noqa: F401,E501
from portal.runner.kiosk import KioskLink  # noqa: F401
from portal.documents.models import (  # noqa: F401
    Document,
    DocumentCounter,
    DocumentStatus,
    DocumentType,
    Setting,
)
from portal.tracker.models import (  # noqa: F401
    AnswerMode,
    Assignment,
    AssignmentStatus,
    AssignmentStep,
    Attachment,
    CoordinatorInput,
    Extension,
    ExtensionStatus,
    Notification,
    ReplyTemplate,
)
from portal.documents.signing import DocumentSignature  # noqa: F401,E402
from portal.reports.models import PublishedPetition, PublishedSession  # noqa: F401,E402
from portal.papers.models import StageDuration  # noqa: F401,E402
from portal.storage import StoredFile  # noqa: F401,E402
from portal.revision import DataRevision, SessionRevision  # noqa: F401,E402  (triggers join create_all)
