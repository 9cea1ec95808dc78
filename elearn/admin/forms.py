"""Admin forms."""
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from ..models import ROLE_LABELS


class RoleForm(FlaskForm):
    role = SelectField("役割", choices=[SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()])
