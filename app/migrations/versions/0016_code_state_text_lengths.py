"""code_state.disposition and last_biz_step as long as the event columns they copy (255)

A custom disposition or business step (a URI) the event row holds could not be copied into the state row on
PostgreSQL. SQLite does not enforce VARCHAR lengths, so its table is left as it is.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for column in ('disposition', 'last_biz_step'):
            op.alter_column('code_state', column, type_=sa.String(255), existing_type=sa.String(64))


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for column in ('disposition', 'last_biz_step'):
            op.alter_column('code_state', column, type_=sa.String(64), existing_type=sa.String(255))
