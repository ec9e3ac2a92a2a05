"""eu fmd channel

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27
"""

from alembic import op
import sqlalchemy as sa
import app.models.base


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('fmd_product',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('product_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('common_name', sa.String(length=255), nullable=False),
    sa.Column('pharmaceutical_form', sa.String(length=255), nullable=False),
    sa.Column('strength', sa.String(length=255), nullable=False),
    sa.Column('pack_type', sa.String(length=255), nullable=False),
    sa.Column('pack_size', sa.String(length=255), nullable=False),
    sa.Column('created_at', app.models.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.models.base.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_fmd_product_product_id_product'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fmd_product')),
    sa.UniqueConstraint('product_id', name=op.f('uq_fmd_product_product_id'))
    )
    op.create_table('fmd_market',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('fmd_product_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('market', sa.String(length=2), nullable=False),
    sa.Column('national_code', sa.String(length=255), nullable=True),
    sa.Column('mah_id', sa.String(length=255), nullable=False),
    sa.Column('mah_name', sa.String(length=255), nullable=False),
    sa.Column('mah_address', sa.String(length=1000), nullable=False),
    sa.Column('withdrawn_at', app.models.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('withdrawal_reason', sa.String(length=1000), nullable=True),
    sa.ForeignKeyConstraint(['fmd_product_id'], ['fmd_product.id'], name=op.f('fk_fmd_market_fmd_product_id_fmd_product'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fmd_market')),
    sa.UniqueConstraint('fmd_product_id', 'market', name='uq_fmd_market_fmd_product_id')
    )
    with op.batch_alter_table('fmd_market', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fmd_market_fmd_product_id'), ['fmd_product_id'], unique=False)

    op.create_table('fmd_message',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('message_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('product_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('pack_status', sa.String(length=16), nullable=True),
    sa.Column('undo', sa.Boolean(), nullable=False),
    sa.Column('part', sa.Integer(), nullable=False),
    sa.Column('parts', sa.Integer(), nullable=False),
    sa.Column('packs', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', app.models.base.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['batch.id'], name=op.f('fk_fmd_message_batch_id_batch')),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_fmd_message_product_id_product')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fmd_message')),
    sa.UniqueConstraint('message_id', name=op.f('uq_fmd_message_message_id'))
    )
    with op.batch_alter_table('fmd_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fmd_message_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fmd_message_product_id'), ['product_id'], unique=False)

    op.create_table('fmd_alert',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('alert_id', sa.String(length=255), nullable=False),
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('severity', sa.String(length=16), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('raised_at', app.models.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('received_at', app.models.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('market', sa.String(length=2), nullable=True),
    sa.Column('gtin', sa.String(length=14), nullable=False),
    sa.Column('lot', sa.String(length=20), nullable=True),
    sa.Column('serial', sa.String(length=20), nullable=True),
    sa.Column('acknowledged_at', app.models.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by', sa.String(length=120), nullable=True),
    sa.Column('note', sa.String(length=1000), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fmd_alert')),
    sa.UniqueConstraint('alert_id', name=op.f('uq_fmd_alert_alert_id'))
    )
    with op.batch_alter_table('fmd_alert', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fmd_alert_code'), ['code'], unique=False)
        batch_op.create_index(batch_op.f('ix_fmd_alert_raised_at'), ['raised_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('fmd_alert', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fmd_alert_raised_at'))
        batch_op.drop_index(batch_op.f('ix_fmd_alert_code'))

    op.drop_table('fmd_alert')
    with op.batch_alter_table('fmd_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fmd_message_product_id'))
        batch_op.drop_index(batch_op.f('ix_fmd_message_batch_id'))

    op.drop_table('fmd_message')
    with op.batch_alter_table('fmd_market', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fmd_market_fmd_product_id'))

    op.drop_table('fmd_market')
    op.drop_table('fmd_product')
