"""app_user.session_epoch: signing out ends the session on the server, not only in the browser

A session carries the count its user had at sign-in; signing out, or switching the user off or on, counts
up, so a copied session cookie no longer opens anything.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('app_user') as batch:
        batch.add_column(sa.Column('session_epoch', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('app_user') as batch:
        batch.drop_column('session_epoch')
