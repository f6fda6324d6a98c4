using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Scheduler.Migrations
{
    /// <inheritdoc />
    public partial class AdmissionEstimates : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "budget_charges",
                columns: table => new
                {
                    job_id = table.Column<Guid>(type: "uuid", nullable: false),
                    queue = table.Column<string>(type: "character varying(63)", maxLength: 63, nullable: false),
                    charged_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    predicted_gpu_hours = table.Column<double>(type: "double precision", nullable: false),
                    gpu_hours = table.Column<double>(type: "double precision", nullable: false),
                    actual_gpu_hours = table.Column<double>(type: "double precision", nullable: true),
                    hold_reason = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: true),
                    settled_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    revision = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_budget_charges", x => x.job_id);
                    table.ForeignKey(
                        name: "fk_budget_charges_jobs_job_id",
                        column: x => x.job_id,
                        principalTable: "jobs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_budget_charges_queues_queue",
                        column: x => x.queue,
                        principalTable: "queues",
                        principalColumn: "name",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "job_estimates",
                columns: table => new
                {
                    job_id = table.Column<Guid>(type: "uuid", nullable: false),
                    estimate = table.Column<string>(type: "jsonb", nullable: false),
                    gpu_type = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    predicted_gpu_hours = table.Column<double>(type: "double precision", nullable: false),
                    memory_per_gpu_gib = table.Column<double>(type: "double precision", nullable: false),
                    gpus = table.Column<double>(type: "double precision", nullable: false),
                    mfu = table.Column<double>(type: "double precision", nullable: false),
                    mfu_source = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_job_estimates", x => x.job_id);
                    table.ForeignKey(
                        name: "fk_job_estimates_jobs_job_id",
                        column: x => x.job_id,
                        principalTable: "jobs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "job_measurements",
                columns: table => new
                {
                    job_id = table.Column<Guid>(type: "uuid", nullable: false),
                    step = table.Column<long>(type: "bigint", nullable: false),
                    tokens = table.Column<long>(type: "bigint", nullable: false),
                    loss = table.Column<double>(type: "double precision", nullable: false),
                    tokens_per_second = table.Column<double>(type: "double precision", nullable: false),
                    step_seconds = table.Column<double>(type: "double precision", nullable: false),
                    achieved_tflops = table.Column<double>(type: "double precision", nullable: true),
                    mfu = table.Column<double>(type: "double precision", nullable: true),
                    peak_memory_gib = table.Column<double>(type: "double precision", nullable: true),
                    last_checkpoint_step = table.Column<long>(type: "bigint", nullable: true),
                    device = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    gpu_hours = table.Column<double>(type: "double precision", nullable: false),
                    samples = table.Column<int>(type: "integer", nullable: false),
                    final = table.Column<bool>(type: "boolean", nullable: false),
                    exit_reason = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    measured_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_job_measurements", x => x.job_id);
                    table.ForeignKey(
                        name: "fk_job_measurements_jobs_job_id",
                        column: x => x.job_id,
                        principalTable: "jobs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "job_telemetry",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    job_id = table.Column<Guid>(type: "uuid", nullable: false),
                    step = table.Column<long>(type: "bigint", nullable: false),
                    tokens = table.Column<long>(type: "bigint", nullable: false),
                    loss = table.Column<double>(type: "double precision", nullable: false),
                    tokens_per_second = table.Column<double>(type: "double precision", nullable: false),
                    step_seconds = table.Column<double>(type: "double precision", nullable: false),
                    achieved_tflops = table.Column<double>(type: "double precision", nullable: true),
                    mfu = table.Column<double>(type: "double precision", nullable: true),
                    peak_memory_gib = table.Column<double>(type: "double precision", nullable: true),
                    last_checkpoint_step = table.Column<long>(type: "bigint", nullable: true),
                    timestamp = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    device = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    world_size = table.Column<int>(type: "integer", nullable: true),
                    final = table.Column<bool>(type: "boolean", nullable: false),
                    exit_reason = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    received_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_job_telemetry", x => x.id);
                    table.ForeignKey(
                        name: "fk_job_telemetry_jobs_job_id",
                        column: x => x.job_id,
                        principalTable: "jobs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "mfu_samples",
                columns: table => new
                {
                    job_id = table.Column<Guid>(type: "uuid", nullable: false),
                    gpu_type = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    parameters = table.Column<double>(type: "double precision", nullable: false),
                    mfu = table.Column<double>(type: "double precision", nullable: false),
                    tokens_per_second = table.Column<double>(type: "double precision", nullable: false),
                    recorded_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_mfu_samples", x => x.job_id);
                    table.ForeignKey(
                        name: "fk_mfu_samples_jobs_job_id",
                        column: x => x.job_id,
                        principalTable: "jobs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_budget_charges_queue_charged_at",
                table: "budget_charges",
                columns: new[] { "queue", "charged_at" });

            migrationBuilder.CreateIndex(
                name: "ix_job_telemetry_job_id_id",
                table: "job_telemetry",
                columns: new[] { "job_id", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_mfu_samples_recorded_at",
                table: "mfu_samples",
                column: "recorded_at");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "budget_charges");

            migrationBuilder.DropTable(
                name: "job_estimates");

            migrationBuilder.DropTable(
                name: "job_measurements");

            migrationBuilder.DropTable(
                name: "job_telemetry");

            migrationBuilder.DropTable(
                name: "mfu_samples");
        }
    }
}
