using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Scheduler.Migrations
{
    /// <inheritdoc />
    public partial class JobArrays : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "array_id",
                table: "jobs",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "array_index",
                table: "jobs",
                type: "integer",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_jobs_array_id_created_at_id",
                table: "jobs",
                columns: new[] { "array_id", "created_at", "id" },
                filter: "array_id IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_jobs_array_id_created_at_id",
                table: "jobs");

            migrationBuilder.DropColumn(
                name: "array_id",
                table: "jobs");

            migrationBuilder.DropColumn(
                name: "array_index",
                table: "jobs");
        }
    }
}
