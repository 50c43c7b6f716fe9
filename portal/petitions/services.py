"""Writing petitions from forms, shared by preparation (calendar) and the runner."""
from __future__ import annotations

from portal.petitions.forms import PetitionForm
from portal.petitions.models import Channel, Petition, SubmitterKind


def fill_petition(petition: Petition, form: PetitionForm, author_id: int) -> None:
    """Copy a validated PetitionForm into a petition and refresh its search text."""
    petition.submitter_kind = SubmitterKind(form.submitter_kind.data)
    petition.submitter_name = form.submitter_name.data.strip()
    petition.submitter_contact = (form.submitter_contact.data or "").strip()
    petition.locality = (form.locality.data or "").strip()
    petition.field_id = form.field_id.data
    petition.channel = Channel(form.channel.data)
    petition.content = form.content.data.strip()
    petition.created_by_id = author_id
    petition.refresh_search_text()
