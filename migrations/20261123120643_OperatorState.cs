using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Scheduler.Migrations
{
    /// <inheritdoc />
    public partial class OperatorState : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "failed_attempts",
                table: "jobs",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "last_checkpoint_at",
                table: "jobs",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "last_checkpoint_step",
                table: "jobs",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "last_preempted_at",
                table: "jobs",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "namespace",
                table: "jobs",
                type: "character varying(63)",
                maxLength: 63,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "pending_reason",
                table: "jobs",
                type: "character varying(1024)",
                maxLength: 1024,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "placement",
                table: "jobs",
                type: "jsonb",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "predicted_start",
                table: "jobs",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "preemption_count",
                table: "jobs",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<double>(
                name: "progress",
                table: "jobs",
                type: "double precision",
                nullable: false,
                defaultValue: 0.0);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "queued_at",
                table: "jobs",
                type: "timestamp with time zone",
                nullable: false,
                defaultValue: new DateTimeOffset(new DateTime(1, 1, 1, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)));

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "started_at",
                table: "jobs",
                type: "timestamp with time zone",
                nullable: true);

            // Jobs stored before this migration entered the queue when they were submitted.
            migrationBuilder.Sql("UPDATE jobs SET queued_at = created_at;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "failed_attempts",
                table: "jobs");

            migrationBuilder.DropColumn(
                name: "last_checkpoint_at",
                table: "jobs");

            migrationBuilder.DropColumn(
                name: "last_checkpoint_step",
                table: "jobs");

            migrationBuilder.DropColumn(
                name: "last_preempted_at",
                table: "jobs");

            migrationBuilder.DropColumn(
                name: "namespace",
                table: "jobs");

            migrationBuilder.DropColumn(
                name: "pending_reason",
                table: "jobs");

            migrationBuilder.DropColumn(
                name: "placement",
                table: "jobs");

            migrationBuilder.DropColumn(
                name: "predicted_start",
                table: "jobs");

            migrationBuilder.DropColumn(
                name: "preemption_count",
                table: "jobs");

            migrationBuilder.DropColumn(
                name: "progress",
                table: "jobs");

            migrationBuilder.DropColumn(
                name: "queued_at",
                table: "jobs");

            migrationBuilder.DropColumn(
                name: "started_at",
                table: "jobs");
        }
    }
}
