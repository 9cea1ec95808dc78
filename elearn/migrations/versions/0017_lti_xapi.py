"""LTI 1.3 tool (registered platforms, deployments, accounts by sub, course cohorts, grade links, launch
state) and xAPI statements

Revision ID: 0017
Revises: 0011
Create Date: 2026-12-01 14:10:00

``lti_platforms`` are entered by admins, each with the tool's own RSA key pair; ``lti_launch_states``
holds PyLTI1p3's state, nonces and validated launches with an expiry (a nonce row is deleted when a
launch uses it). ``xapi_statements`` keeps every statement as built; the outbox carries them to the LRS.
"""
import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def _fk(table, column, target, ondelete='CASCADE'):
    return sa.ForeignKeyConstraint([column], [f'{target}.id'], name=op.f(f'fk_{table}_{column}_{target}'),
                                   ondelete=ondelete)


def upgrade():
    op.create_table(
        'lti_platforms',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('issuer', sa.String(length=500), nullable=False),
        sa.Column('client_id', sa.String(length=255), nullable=False),
        sa.Column('auth_login_url', sa.String(length=1000), nullable=False),
        sa.Column('auth_token_url', sa.String(length=1000), nullable=False),
        sa.Column('key_set_url', sa.String(length=1000), nullable=False),
        sa.Column('auth_audience', sa.String(length=1000), nullable=False),
        sa.Column('trust_email', sa.Boolean(), nullable=False),
        sa.Column('tool_private_key', sa.Text(), nullable=False),
        sa.Column('tool_public_key', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_platforms')),
        sa.UniqueConstraint('issuer', 'client_id', name=op.f('uq_lti_platforms_issuer_client_id')),
    )
    op.create_table(
        'lti_deployments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('platform_id', sa.Integer(), nullable=False),
        sa.Column('deployment_id', sa.String(length=255), nullable=False),
        _fk('lti_deployments', 'platform_id', 'lti_platforms'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_deployments')),
        sa.UniqueConstraint('platform_id', 'deployment_id', name=op.f('uq_lti_deployments_platform_id_deployment_id')),
    )
    op.create_table(
        'lti_accounts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('platform_id', sa.Integer(), nullable=False),
        sa.Column('sub', sa.String(length=255), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        _fk('lti_accounts', 'platform_id', 'lti_platforms'),
        _fk('lti_accounts', 'user_id', 'users'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_accounts')),
        sa.UniqueConstraint('platform_id', 'sub', name=op.f('uq_lti_accounts_platform_id_sub')),
    )
    op.create_index(op.f('ix_lti_accounts_user_id'), 'lti_accounts', ['user_id'], unique=False)
    op.create_table(
        'lti_contexts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('platform_id', sa.Integer(), nullable=False),
        sa.Column('context_id', sa.String(length=255), nullable=False),
        sa.Column('cohort_id', sa.Integer(), nullable=False),
        _fk('lti_contexts', 'platform_id', 'lti_platforms'),
        _fk('lti_contexts', 'cohort_id', 'cohorts'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_contexts')),
        sa.UniqueConstraint('platform_id', 'context_id', name=op.f('uq_lti_contexts_platform_id_context_id')),
    )
    op.create_index(op.f('ix_lti_contexts_cohort_id'), 'lti_contexts', ['cohort_id'], unique=False)
    op.create_table(
        'lti_grade_links',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('platform_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('module_id', sa.Integer(), nullable=False),
        sa.Column('sub', sa.String(length=255), nullable=False),
        sa.Column('resource_link_id', sa.String(length=255), nullable=False),
        sa.Column('endpoint', sa.JSON(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        _fk('lti_grade_links', 'platform_id', 'lti_platforms'),
        _fk('lti_grade_links', 'user_id', 'users'),
        _fk('lti_grade_links', 'module_id', 'modules'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_grade_links')),
        sa.UniqueConstraint('platform_id', 'user_id', 'module_id', name=op.f('uq_lti_grade_links_platform_id_user_id_module_id')),
    )
    op.create_index(op.f('ix_lti_grade_links_user_id'), 'lti_grade_links', ['user_id'], unique=False)
    op.create_table(
        'lti_launch_states',
        sa.Column('key', sa.String(length=255), nullable=False),
        sa.Column('value', sa.JSON(), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_lti_launch_states')),
    )
    op.create_index(op.f('ix_lti_launch_states_expires_at'), 'lti_launch_states', ['expires_at'], unique=False)
    op.create_table(
        'xapi_statements',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('verb', sa.String(length=40), nullable=False),
        sa.Column('statement', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        _fk('xapi_statements', 'user_id', 'users', 'SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_xapi_statements')),
    )
    op.create_index(op.f('ix_xapi_statements_user_id'), 'xapi_statements', ['user_id'], unique=False)
    op.create_index(op.f('ix_xapi_statements_created_at'), 'xapi_statements', ['created_at'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_xapi_statements_created_at'), table_name='xapi_statements')
    op.drop_index(op.f('ix_xapi_statements_user_id'), table_name='xapi_statements')
    op.drop_table('xapi_statements')
    op.drop_index(op.f('ix_lti_launch_states_expires_at'), table_name='lti_launch_states')
    op.drop_table('lti_launch_states')
    op.drop_index(op.f('ix_lti_grade_links_user_id'), table_name='lti_grade_links')
    op.drop_table('lti_grade_links')
    op.drop_index(op.f('ix_lti_contexts_cohort_id'), table_name='lti_contexts')
    op.drop_table('lti_contexts')
    op.drop_index(op.f('ix_lti_accounts_user_id'), table_name='lti_accounts')
    op.drop_table('lti_accounts')
    op.drop_table('lti_deployments')
    op.drop_table('lti_platforms')
