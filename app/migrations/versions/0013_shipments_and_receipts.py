"""shipments and receipts

Revision ID: 0013
Revises: 0011
Create Date: 2026-11-27
"""

from alembic import op
import sqlalchemy as sa
import app.models.base


revision = '0013'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('shipment',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('partner_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('ship_from_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('ship_to_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('status', sa.Enum('draft', 'shipped', name='shipment_status', native_enum=False, length=16), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', app.models.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('shipped_by', sa.String(length=200), nullable=True),
    sa.Column('shipped_at', app.models.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('event_id', sa.String(length=255), nullable=True),
    sa.ForeignKeyConstraint(['partner_id'], ['trading_partner.id'], name=op.f('fk_shipment_partner_id_trading_partner')),
    sa.ForeignKeyConstraint(['ship_from_id'], ['location.id'], name=op.f('fk_shipment_ship_from_id_location')),
    sa.ForeignKeyConstraint(['ship_to_id'], ['location.id'], name=op.f('fk_shipment_ship_to_id_location')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shipment'))
    )
    with op.batch_alter_table('shipment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shipment_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_shipment_status'), ['status'], unique=False)

    op.create_table('shipment_item',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('shipment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('epc', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('added_at', app.models.base.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['shipment_id'], ['shipment.id'], name=op.f('fk_shipment_item_shipment_id_shipment'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shipment_item')),
    sa.UniqueConstraint('shipment_id', 'epc', name='uq_shipment_item_shipment_id')
    )
    with op.batch_alter_table('shipment_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shipment_item_epc'), ['epc'], unique=False)
        batch_op.create_index(batch_op.f('ix_shipment_item_shipment_id'), ['shipment_id'], unique=False)

    op.create_table('receipt',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('location_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('partner_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('shipment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('status', sa.Enum('open', 'received', name='receipt_status', native_enum=False, length=16), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', app.models.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('received_by', sa.String(length=200), nullable=True),
    sa.Column('received_at', app.models.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('event_id', sa.String(length=255), nullable=True),
    sa.ForeignKeyConstraint(['location_id'], ['location.id'], name=op.f('fk_receipt_location_id_location')),
    sa.ForeignKeyConstraint(['partner_id'], ['trading_partner.id'], name=op.f('fk_receipt_partner_id_trading_partner')),
    sa.ForeignKeyConstraint(['shipment_id'], ['shipment.id'], name=op.f('fk_receipt_shipment_id_shipment')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_receipt'))
    )
    with op.batch_alter_table('receipt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_receipt_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_receipt_shipment_id'), ['shipment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_receipt_status'), ['status'], unique=False)

    op.create_table('receipt_item',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('receipt_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('epc', sa.String(length=255), nullable=False),
    sa.Column('lot', sa.String(length=20), nullable=True),
    sa.Column('expiry', sa.String(length=6), nullable=True),
    sa.Column('scanned_at', app.models.base.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['receipt_id'], ['receipt.id'], name=op.f('fk_receipt_item_receipt_id_receipt'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_receipt_item')),
    sa.UniqueConstraint('receipt_id', 'epc', name='uq_receipt_item_receipt_id')
    )
    with op.batch_alter_table('receipt_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_receipt_item_receipt_id'), ['receipt_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('receipt_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_receipt_item_receipt_id'))
    op.drop_table('receipt_item')
    with op.batch_alter_table('receipt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_receipt_status'))
        batch_op.drop_index(batch_op.f('ix_receipt_shipment_id'))
        batch_op.drop_index(batch_op.f('ix_receipt_partner_id'))
    op.drop_table('receipt')
    with op.batch_alter_table('shipment_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shipment_item_shipment_id'))
        batch_op.drop_index(batch_op.f('ix_shipment_item_epc'))
    op.drop_table('shipment_item')
    with op.batch_alter_table('shipment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shipment_status'))
        batch_op.drop_index(batch_op.f('ix_shipment_partner_id'))
    op.drop_table('shipment')
