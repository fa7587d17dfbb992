"""finance from 1C: contracts with limit/debt/overdue, documents with PDFs, dealer credit policy

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 15:00:00

`finance_contracts` hold the figures 1C pushes per counterparty (INN+KPP as pushed, matched to a
dealer and legal entity) and contract; `finance_documents` the invoices, shipments, payments,
returns and reconciliation acts, unique per (contract, kind, number, date), with an optional link
to our order; `finance_document_files` their PDF bytes. `dealers.credit_policy` (warn | hold |
block) says what checkout does over the free limit.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONEY = sa.Numeric(precision=14, scale=2)
UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("dealers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("credit_policy", sa.String(length=10), nullable=False, server_default="warn")
        )
    op.create_table(
        "finance_contracts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dealer_id", sa.Integer(), nullable=False),
        sa.Column("legal_entity_id", sa.Integer(), nullable=True),
        sa.Column("inn", sa.String(length=12), nullable=False),
        sa.Column("kpp", sa.String(length=9), nullable=False),
        sa.Column("number", sa.String(length=100), nullable=False),
        sa.Column("credit_limit", MONEY, nullable=False),
        sa.Column("deferral_days", sa.Integer(), nullable=False),
        sa.Column("debt", MONEY, nullable=False),
        sa.Column("overdue", MONEY, nullable=False),
        sa.Column("price_type_name", sa.String(length=150), nullable=False),
        sa.Column("price_type_id", sa.Integer(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("as_of", UTC_TIME, nullable=False),
        sa.Column("received_at", UTC_TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["dealer_id"],
            ["dealers.id"],
            name=op.f("fk_finance_contracts_dealer_id_dealers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["legal_entity_id"],
            ["legal_entities.id"],
            name=op.f("fk_finance_contracts_legal_entity_id_legal_entities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["price_type_id"],
            ["price_types.id"],
            name=op.f("fk_finance_contracts_price_type_id_price_types"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finance_contracts")),
        sa.UniqueConstraint(
            "inn", "kpp", "number", name=op.f("uq_finance_contracts_inn_kpp_number")
        ),
    )
    op.create_index(
        op.f("ix_finance_contracts_dealer_id"), "finance_contracts", ["dealer_id"], unique=False
    )
    op.create_index(
        op.f("ix_finance_contracts_legal_entity_id"),
        "finance_contracts",
        ["legal_entity_id"],
        unique=False,
    )
    op.create_table(
        "finance_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("dealer_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("number", sa.String(length=100), nullable=False),
        sa.Column("doc_date", sa.Date(), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("order_ref", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("file_size", sa.Integer(), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("telegram_file_id", sa.String(length=255), nullable=True),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["finance_contracts.id"],
            name=op.f("fk_finance_documents_contract_id_finance_contracts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["dealer_id"],
            ["dealers.id"],
            name=op.f("fk_finance_documents_dealer_id_dealers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_finance_documents_order_id_orders"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finance_documents")),
        sa.UniqueConstraint(
            "contract_id",
            "kind",
            "number",
            "doc_date",
            name=op.f("uq_finance_documents_contract_id_kind_number_doc_date"),
        ),
    )
    op.create_index(
        op.f("ix_finance_documents_contract_id"),
        "finance_documents",
        ["contract_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_finance_documents_order_id"), "finance_documents", ["order_id"], unique=False
    )
    op.create_index(
        "ix_finance_documents_dealer_date",
        "finance_documents",
        ["dealer_id", "doc_date"],
        unique=False,
    )
    op.create_table(
        "finance_document_files",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["finance_documents.id"],
            name=op.f("fk_finance_document_files_document_id_finance_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("document_id", name=op.f("pk_finance_document_files")),
    )


def downgrade() -> None:
    op.drop_table("finance_document_files")
    op.drop_index("ix_finance_documents_dealer_date", table_name="finance_documents")
    op.drop_index(op.f("ix_finance_documents_order_id"), table_name="finance_documents")
    op.drop_index(op.f("ix_finance_documents_contract_id"), table_name="finance_documents")
    op.drop_table("finance_documents")
    op.drop_index(op.f("ix_finance_contracts_legal_entity_id"), table_name="finance_contracts")
    op.drop_index(op.f("ix_finance_contracts_dealer_id"), table_name="finance_contracts")
    op.drop_table("finance_contracts")
    with op.batch_alter_table("dealers", schema=None) as batch_op:
        batch_op.drop_column("credit_policy")
