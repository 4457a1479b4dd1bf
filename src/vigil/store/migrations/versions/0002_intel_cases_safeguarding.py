"""Intelligence reports, cases, safeguarding actions, unmasking grants and retention
decisions.

Revision ID: 0002
Revises: 0001
Create Date: 2026-02-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from vigil.store.models import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intel_reports",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("alert_id", sa.String(32), nullable=True),
        sa.Column("staff_id", sa.String(64), nullable=True),
        sa.Column("person_id", sa.String(64), nullable=True),
        sa.Column("source_kind", sa.String(16), nullable=False),
        sa.Column("source_organisation", sa.String(200), nullable=True),
        sa.Column("source_details", sa.Text(), nullable=False),
        sa.Column("sanitised_text", sa.Text(), nullable=False),
        sa.Column("source_evaluation", sa.String(1), nullable=True),
        sa.Column("intelligence_assessment", sa.String(1), nullable=True),
        sa.Column("handling_code", sa.String(1), nullable=True),
        sa.Column("handling_conditions", sa.Text(), nullable=True),
        sa.Column("graded_by", sa.String(64), nullable=True),
        sa.Column("graded_at", UTCDateTime(), nullable=True),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("review_date", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_intel_reports_alert_id_alerts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intel_reports")),
    )
    op.create_index(op.f("ix_intel_reports_alert_id"), "intel_reports", ["alert_id"])
    op.create_index(op.f("ix_intel_reports_review_date"), "intel_reports", ["review_date"])
    op.create_table(
        "cases",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("alert_id", sa.String(32), nullable=True),
        sa.Column("intel_report_id", sa.String(32), nullable=True),
        sa.Column("staff_id", sa.String(64), nullable=False),
        sa.Column("state", sa.String(24), nullable=False),
        sa.Column("apsp", sa.Boolean(), nullable=False),
        sa.Column("referred_to_iopc", sa.Boolean(), nullable=True),
        sa.Column("referral_reason", sa.Text(), nullable=True),
        sa.Column("iopc_reference", sa.String(64), nullable=True),
        sa.Column("referral_decided_by", sa.String(64), nullable=True),
        sa.Column("referral_decided_at", UTCDateTime(), nullable=True),
        sa.Column("investigation_type", sa.String(16), nullable=True),
        sa.Column("investigator_id", sa.Integer(), nullable=True),
        sa.Column("outcomes", sa.JSON(), nullable=False),
        sa.Column("outcome_summary", sa.Text(), nullable=True),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("review_date", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["alert_id"], ["alerts.id"], name=op.f("fk_cases_alert_id_alerts")),
        sa.ForeignKeyConstraint(
            ["intel_report_id"],
            ["intel_reports.id"],
            name=op.f("fk_cases_intel_report_id_intel_reports"),
        ),
        sa.ForeignKeyConstraint(
            ["investigator_id"], ["users.id"], name=op.f("fk_cases_investigator_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("alert_id", name=op.f("uq_cases_alert_id")),
    )
    op.create_index(op.f("ix_cases_state"), "cases", ["state"])
    op.create_index(op.f("ix_cases_review_date"), "cases", ["review_date"])
    op.create_table(
        "safeguarding_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.String(32), nullable=True),
        sa.Column("case_id", sa.String(32), nullable=True),
        sa.Column("person_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("done_at", UTCDateTime(), nullable=True),
        sa.Column("done_by", sa.String(64), nullable=True),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alerts.id"],
            name=op.f("fk_safeguarding_actions_alert_id_alerts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_safeguarding_actions_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safeguarding_actions")),
    )
    op.create_index(op.f("ix_safeguarding_actions_alert_id"), "safeguarding_actions", ["alert_id"])
    op.create_index(op.f("ix_safeguarding_actions_case_id"), "safeguarding_actions", ["case_id"])
    op.create_index(op.f("ix_safeguarding_actions_due_date"), "safeguarding_actions", ["due_date"])
    op.create_table(
        "unmask_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("object_type", sa.String(16), nullable=False),
        sa.Column("object_id", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("granted_by_id", sa.Integer(), nullable=False),
        sa.Column("granted_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_unmask_grants_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["granted_by_id"], ["users.id"], name=op.f("fk_unmask_grants_granted_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unmask_grants")),
    )
    op.create_index(op.f("ix_unmask_grants_user_id"), "unmask_grants", ["user_id"])
    op.create_table(
        "retention_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("object_type", sa.String(16), nullable=False),
        sa.Column("object_id", sa.String(32), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("decision", sa.String(8), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("retain_until", sa.Date(), nullable=True),
        sa.Column("decided_by", sa.String(64), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_decisions")),
    )


def downgrade() -> None:
    op.drop_table("retention_decisions")
    op.drop_index(op.f("ix_unmask_grants_user_id"), table_name="unmask_grants")
    op.drop_table("unmask_grants")
    for name in ("due_date", "case_id", "alert_id"):
        op.drop_index(op.f(f"ix_safeguarding_actions_{name}"), table_name="safeguarding_actions")
    op.drop_table("safeguarding_actions")
    op.drop_index(op.f("ix_cases_review_date"), table_name="cases")
    op.drop_index(op.f("ix_cases_state"), table_name="cases")
    op.drop_table("cases")
    op.drop_index(op.f("ix_intel_reports_review_date"), table_name="intel_reports")
    op.drop_index(op.f("ix_intel_reports_alert_id"), table_name="intel_reports")
    op.drop_table("intel_reports")
