"""channel delivery settings

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27
"""

from alembic import op
import sqlalchemy as sa
import app.models.base


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('partner_channel', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tls_verify', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('ca_bundle', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('client_cert', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('client_key', sa.Text(), nullable=True))

    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('partner_channel_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_message_partner_channel_id'), ['partner_channel_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_outbox_message_partner_channel_id_partner_channel'),
            'partner_channel', ['partner_channel_id'], ['id'], ondelete='SET NULL',
        )


def downgrade() -> None:
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outbox_message_partner_channel_id_partner_channel'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_outbox_message_partner_channel_id'))
        batch_op.drop_column('partner_channel_id')

    with op.batch_alter_table('partner_channel', schema=None) as batch_op:
        batch_op.drop_column('client_key')
        batch_op.drop_column('client_cert')
        batch_op.drop_column('ca_bundle')
        batch_op.drop_column('tls_verify')
