using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Scheduler.Migrations
{
    /// <summary>
    /// The operator's incremental snapshot (ReadJobChanges): every insert and update of a job stamps <c>change_xid</c> with its
    /// transaction's id, through a trigger so that no writer (EF, the batched insert, raw SQL) can forget it, and an index
    /// finds the rows written since a watermark. A partial index finds the budget-held jobs. Written by hand: none of this is
    /// in the EF model (no entity reads the column; ReadJobChanges filters on it in SQL), so the model snapshot is unchanged.
    /// </summary>
    public partial class IncrementalSnapshot : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                ALTER TABLE jobs ADD COLUMN change_xid bigint NOT NULL DEFAULT 0;
                CREATE INDEX ix_jobs_change_xid ON jobs (change_xid);
                CREATE INDEX ix_budget_charges_held ON budget_charges (job_id) WHERE hold_reason IS NOT NULL;
                CREATE FUNCTION jobs_stamp_change_xid() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  NEW.change_xid := pg_current_xact_id()::text::bigint;
                  RETURN NEW;
                END $$;
                CREATE TRIGGER jobs_change_xid BEFORE INSERT OR UPDATE ON jobs FOR EACH ROW EXECUTE FUNCTION jobs_stamp_change_xid();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER jobs_change_xid ON jobs;
                DROP FUNCTION jobs_stamp_change_xid();
                DROP INDEX ix_budget_charges_held;
                DROP INDEX ix_jobs_change_xid;
                ALTER TABLE jobs DROP COLUMN change_xid;
                """);
        }
    }
}
