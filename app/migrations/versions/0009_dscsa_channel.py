"""dscsa channel

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27
"""

from alembic import op
import sqlalchemy as sa
import app.models.base


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('dscsa_product',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('gtin', sa.String(length=14), nullable=False),
    sa.Column('ndc', sa.String(length=13), nullable=False),
    sa.Column('ndc_type', sa.String(length=16), nullable=False),
    sa.Column('drug_name', sa.String(length=200), nullable=False),
    sa.Column('dosage_form', sa.String(length=100), nullable=False),
    sa.Column('strength', sa.String(length=100), nullable=False),
    sa.Column('container_size', sa.String(length=100), nullable=False),
    sa.Column('manufacturer', sa.String(length=200), nullable=False),
    sa.Column('updated_at', app.models.base.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dscsa_product')),
    sa.UniqueConstraint('gtin', name=op.f('uq_dscsa_product_gtin'))
    )
    op.create_table('dscsa_address',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('gln', sa.String(length=13), nullable=False),
    sa.Column('company_prefix_length', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('street_one', sa.String(length=200), nullable=False),
    sa.Column('street_two', sa.String(length=200), nullable=True),
    sa.Column('city', sa.String(length=100), nullable=False),
    sa.Column('state', sa.String(length=50), nullable=True),
    sa.Column('postal_code', sa.String(length=20), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('updated_at', app.models.base.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dscsa_address')),
    sa.UniqueConstraint('gln', name=op.f('uq_dscsa_address_gln'))
    )
    op.create_table('dscsa_shipment',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('event_id', sa.String(length=255), nullable=False),
    sa.Column('partner_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('status', sa.Enum('queued', 'blocked', name='dscsa_shipment_status', native_enum=False, length=16), nullable=False),
    sa.Column('problem', sa.Text(), nullable=True),
    sa.Column('message_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', app.models.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.models.base.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['trading_partner.id'], name=op.f('fk_dscsa_shipment_partner_id_trading_partner')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dscsa_shipment')),
    sa.UniqueConstraint('event_id', name=op.f('uq_dscsa_shipment_event_id'))
    )
    with op.batch_alter_table('dscsa_shipment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dscsa_shipment_partner_id'), ['partner_id'], unique=False)

    op.create_table('dscsa_import',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('partner_gln', sa.String(length=13), nullable=True),
    sa.Column('receiver_gln', sa.String(length=13), nullable=True),
    sa.Column('document_id', sa.String(length=255), nullable=True),
    sa.Column('schema_version', sa.String(length=16), nullable=False),
    sa.Column('guideline', sa.String(length=100), nullable=True),
    sa.Column('transaction_statement', sa.Boolean(), nullable=True),
    sa.Column('event_count', sa.Integer(), nullable=False),
    sa.Column('stored_count', sa.Integer(), nullable=False),
    sa.Column('code_count', sa.Integer(), nullable=False),
    sa.Column('products', sa.JSON(), nullable=False),
    sa.Column('warnings', sa.JSON(), nullable=False),
    sa.Column('imported_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', app.models.base.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dscsa_import')),
    sa.UniqueConstraint('sha256', name=op.f('uq_dscsa_import_sha256'))
    )
    with op.batch_alter_table('dscsa_import', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dscsa_import_partner_gln'), ['partner_gln'], unique=False)

    op.create_table('dscsa_code',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('import_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('epc', sa.String(length=255), nullable=False),
    sa.Column('gtin', sa.String(length=14), nullable=True),
    sa.Column('lot', sa.String(length=100), nullable=True),
    sa.Column('expiry', sa.String(length=10), nullable=True),
    sa.Column('parent', sa.String(length=255), nullable=True),
    sa.ForeignKeyConstraint(['import_id'], ['dscsa_import.id'], name=op.f('fk_dscsa_code_import_id_dscsa_import'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dscsa_code'))
    )
    with op.batch_alter_table('dscsa_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dscsa_code_import_id'), ['import_id'], unique=False)
        batch_op.create_index('ix_dscsa_code_epc_import_id', ['epc', 'import_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('dscsa_code', schema=None) as batch_op:
        batch_op.drop_index('ix_dscsa_code_epc_import_id')
        batch_op.drop_index(batch_op.f('ix_dscsa_code_import_id'))

    op.drop_table('dscsa_code')
    with op.batch_alter_table('dscsa_import', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dscsa_import_partner_gln'))

    op.drop_table('dscsa_import')
    with op.batch_alter_table('dscsa_shipment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dscsa_shipment_partner_id'))

    op.drop_table('dscsa_shipment')
    op.drop_table('dscsa_address')
    op.drop_table('dscsa_product')
