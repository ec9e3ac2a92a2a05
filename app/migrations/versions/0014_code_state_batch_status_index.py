"""code_state: one (batch_id, status) index instead of one on each column

Every read of code_state by status also names the batch, so the index on status alone served no query
while a capture paid for one more index entry per code. The composite index answers the batch reads as
before and the per-batch status counts without reading the table.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-27
"""

from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_code_state_batch_id_status', 'code_state', ['batch_id', 'status'], unique=False)
    op.drop_index('ix_code_state_batch_id', table_name='code_state')
    op.drop_index('ix_code_state_status', table_name='code_state')


def downgrade() -> None:
    op.create_index('ix_code_state_status', 'code_state', ['status'], unique=False)
    op.create_index('ix_code_state_batch_id', 'code_state', ['batch_id'], unique=False)
    op.drop_index('ix_code_state_batch_id_status', table_name='code_state')
