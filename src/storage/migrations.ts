import type { Knex } from 'knex'

// The schema, as code: the same migrations run on PostgreSQL and on the embedded PGlite, at start
// and through `evergate migrate`. Released migrations are never edited; add a new one.

const migrations: Record<string, Knex.Migration> = {
  '001_release_policy': {
    async up (knex) {
      await knex.schema.createTable('evergate_rules', (t) => {
        t.increments('id')
        t.text('platform').nullable().comment('null: every platform')
        t.text('range').notNullable().comment('a semver range of app versions')
        t.text('status').notNullable()
        t.timestamp('deprecation_date', { useTz: true }).nullable()
        t.timestamp('sunset_date', { useTz: true }).nullable()
        t.text('message').nullable()
        t.text('upgrade_url').nullable()
        t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
        t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
        t.text('updated_by').notNullable()
      })
      await knex.raw("alter table evergate_rules add constraint evergate_rules_status check (status in ('supported', 'deprecated', 'retired'))")
      await knex.schema.createTable('evergate_audit', (t) => {
        t.bigIncrements('id')
        t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
        t.text('actor').notNullable()
        t.text('action').notNullable()
        t.integer('rule_id').notNullable()
        t.jsonb('before').nullable()
        t.jsonb('after').nullable()
      })
      // One row, bumped with every change to the rules: what instances poll when NOTIFY is lost.
      await knex.schema.createTable('evergate_policy_version', (t) => {
        t.integer('id').primary()
        t.bigInteger('version').notNullable()
      })
      await knex('evergate_policy_version').insert({ id: 1, version: 0 })
    },
    async down (knex) {
      await knex.schema.dropTable('evergate_policy_version')
      await knex.schema.dropTable('evergate_audit')
      await knex.schema.dropTable('evergate_rules')
    }
  },
  '002_usage': {
    async up (knex) {
      await knex.schema.createTable('evergate_usage', (t) => {
        t.date('day').notNullable()
        t.text('platform').notNullable()
        t.text('app_version').notNullable()
        t.text('contract_version').notNullable()
        t.text('route').notNullable()
        t.text('status_class').notNullable()
        t.bigInteger('count').notNullable()
        t.primary(['day', 'platform', 'app_version', 'contract_version', 'route', 'status_class'])
      })
    },
    async down (knex) {
      await knex.schema.dropTable('evergate_usage')
    }
  },
  '003_releases': {
    async up (knex) {
      // Releases a release manager announced: what "latest" is, from the moment each one is out. A
      // withdrawn one stays, so that its users' traffic never makes it the latest again.
      await knex.schema.createTable('evergate_releases', (t) => {
        t.increments('id')
        t.text('platform').nullable().comment('null: every platform')
        t.text('version').notNullable().comment('a release (x.y.z), never a pre-release')
        t.timestamp('released_at', { useTz: true }).notNullable().comment('when it is in the stores')
        t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
        t.text('created_by').notNullable()
        t.timestamp('withdrawn_at', { useTz: true }).nullable().comment('pulled from the stores')
        t.text('withdrawn_by').nullable()
      })
      // One standing announcement per version and platform; null (every platform) is a platform of its own.
      await knex.raw("create unique index evergate_releases_version on evergate_releases (coalesce(platform, ''), version) where withdrawn_at is null")
      // The audit log names a rule or a release.
      await knex.schema.alterTable('evergate_audit', (t) => {
        t.integer('rule_id').nullable().alter()
        t.integer('release_id').nullable()
      })
      await knex.raw('alter table evergate_audit add constraint evergate_audit_subject check ((rule_id is null) <> (release_id is null))')
    },
    async down (knex) {
      await knex.raw('alter table evergate_audit drop constraint evergate_audit_subject')
      await knex('evergate_audit').whereNotNull('release_id').delete()
      await knex.schema.alterTable('evergate_audit', (t) => {
        t.dropColumn('release_id')
        t.integer('rule_id').notNullable().alter()
      })
      await knex.schema.dropTable('evergate_releases')
    }
  },
  '004_usage_batches': {
    async up (knex) {
      // The usage batches written, by the id each flush gives its batch: a write whose answer was
      // lost (the connection reset after COMMIT) is tried again, and skipped when its id is here.
      await knex.schema.createTable('evergate_usage_batches', (t) => {
        t.uuid('id').primary()
        t.timestamp('applied_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
        t.index('applied_at')
      })
    },
    async down (knex) {
      await knex.schema.dropTable('evergate_usage_batches')
    }
  }
}

const source: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(migrations).sort(),
  getMigrationName: (name) => name,
  getMigration: async (name) => migrations[name]
}

/** pg_advisory_lock key of evergate's migrations: "evgm". */
const MIGRATION_LOCK = 0x6576676d
const MIGRATION_WAIT_SECONDS = 120

interface PgConnection { query (sql: string, values: unknown[]): Promise<unknown> }

/**
 * Brings the schema up to date; returns the names of the migrations it ran. knex creates its
 * migration tables before it takes its own lock, so instances booting together on an empty
 * PostgreSQL raced there (a duplicate-type error, or two lock rows and every later migration
 * refused): a session advisory lock, held on a connection of its own, runs them one at a time.
 * The embedded database has one process and one connection.
 */
export async function migrate (knex: Knex): Promise<string[]> {
  const latest = async () => {
    const [, ran] = await knex.migrate.latest({ migrationSource: source, tableName: 'evergate_migrations' }) as [number, string[]]
    return ran
  }
  if (knex.client.config.client !== 'pg') return await latest()
  const connection = await knex.client.acquireConnection() as PgConnection
  try {
    // Waiting on a migration that is itself stuck fails the boot, as knex's own lock did, not hangs it.
    await connection.query(`set lock_timeout = '${MIGRATION_WAIT_SECONDS}s'`, [])
    await connection.query('select pg_advisory_lock($1)', [MIGRATION_LOCK])
    return await latest()
  } finally {
    await connection.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {})
    await connection.query('reset lock_timeout', []).catch(() => {})
    await knex.client.releaseConnection(connection)
  }
}
